export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** The furthest a window may start: far past any list, well inside exact integers and PostgreSQL's bigint. */
export const MAX_OFFSET = 100_000_000;
export const MAX_PAGE = 1_000_000;

/**
 * One window from either dialect the clients speak: `page`/`page_size` (the API's
 * own) or `skip`/`limit` (the web client's admin screens). `skip`/`limit` win when
 * both are sent, because only the web client sends them.
 */
export function pageRequest(query: { page?: number; page_size?: number; skip?: number; limit?: number }): PageRequest {
  if (query.skip !== undefined || query.limit !== undefined) {
    const pageSize = query.limit ?? query.page_size ?? DEFAULT_PAGE_SIZE;
    const offset = query.skip ?? 0;
    return { page: Math.floor(offset / pageSize) + 1, pageSize, offset };
  }
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? DEFAULT_PAGE_SIZE;
  return { page, pageSize, offset: (page - 1) * pageSize };
}
