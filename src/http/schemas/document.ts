import { type Static, Type } from '@sinclair/typebox';
import { DOCUMENT_TYPES } from '../../domain/enums.js';
import { presentDocument as sharedPresenter } from '../../domain/documents/presenter.js';
import type { DocumentRow } from '../../domain/documents/service.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';

export const DocumentType = StringEnum(DOCUMENT_TYPES);
const Title = Type.String({ minLength: 1, maxLength: 255 });
const Content = Type.String({ minLength: 1, description: 'Markdown, up to 5 MiB (the request body limit)' });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });

export const Document = Type.Object(
  {
    id: Uuid,
    project_id: Uuid,
    element_id: Nullable(Uuid),
    feature_id: Nullable(Uuid),
    type: Type.String(),
    title: Type.String(),
    content: Type.String(),
    tags: Type.Array(Type.String()),
    version: Type.Integer(),
    created_by: Nullable(Uuid),
    updated_by: Nullable(Uuid),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
);

export const DocumentContent = Type.Object({
  id: Uuid,
  title: Type.String(),
  type: Type.String(),
  content: Type.String(),
  version: Type.Integer(),
});

export const CreateDocumentBody = Type.Object({
  project_id: Uuid,
  element_id: Type.Optional(Nullable(Uuid)),
  feature_id: Type.Optional(Nullable(Uuid)),
  type: DocumentType,
  title: Title,
  content: Content,
  tags: Type.Optional(Tags),
});

export const UpdateDocumentBody = Type.Object({
  title: Type.Optional(Title),
  content: Type.Optional(Content),
  tags: Type.Optional(Tags),
});

export const DocumentListQuery = Type.Object({
  ...PaginationQuery.properties,
  type: Type.Optional(DocumentType),
  element_id: Type.Optional(Uuid),
  feature_id: Type.Optional(Uuid),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring of the title or content' })),
});

/** The one presenter REST and MCP share (domain/documents/presenter.ts), checked here against the response schema. */
export const presentDocument: (document: DocumentRow) => Static<typeof Document> = sharedPresenter;

export function presentDocumentContent(document: DocumentRow): Static<typeof DocumentContent> {
  return { id: document.id, title: document.title, type: document.type, content: document.content, version: document.version };
}
