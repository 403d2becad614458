import { escapeHtml } from '../../infra/html.js';
import { PermanentJobError } from '../../infra/jobs/types.js';
import type { EmailMessage, Locale, TemplateName } from './types.js';

interface Template {
  subject: string;
  /** Paragraphs; the last `{{link}}` line becomes a button in HTML. */
  lines: string[];
  action: string;
}

// `{{name}}` placeholders. Every one must be given: a missing variable fails the job
// (see render) rather than mailing "Hello {{name}}".
const TEMPLATES: Record<TemplateName, Record<Locale, Template>> = {
  team_invitation: {
    en: {
      subject: 'You are invited to join {{teamName}} on InTracker',
      lines: ['{{inviterName}} invited you to join the team {{teamName}} on InTracker.', 'The invitation is valid until {{expiresAt}}.'],
      action: 'Accept the invitation',
    },
    hu: {
      subject: 'Meghívó a(z) {{teamName}} csapatba az InTrackerben',
      lines: ['{{inviterName}} meghívott a(z) {{teamName}} csapatba az InTrackerben.', 'A meghívó eddig érvényes: {{expiresAt}}.'],
      action: 'Meghívó elfogadása',
    },
  },
  admin_invitation: {
    en: {
      subject: 'Your InTracker invitation',
      lines: ['{{inviterName}} invited you to InTracker as a team leader, with a team of your own.', 'The invitation is valid until {{expiresAt}}.'],
      action: 'Create your account',
    },
    hu: {
      subject: 'Meghívó az InTrackerbe',
      lines: ['{{inviterName}} meghívott az InTrackerbe csapatvezetőként, saját csapattal.', 'A meghívó eddig érvényes: {{expiresAt}}.'],
      action: 'Fiók létrehozása',
    },
  },
  team_added: {
    en: {
      subject: 'You were added to {{teamName}} on InTracker',
      lines: ['{{inviterName}} added you to the team {{teamName}} on InTracker.'],
      action: 'Open InTracker',
    },
    hu: {
      subject: 'Hozzáadtak a(z) {{teamName}} csapathoz az InTrackerben',
      lines: ['{{inviterName}} hozzáadott a(z) {{teamName}} csapathoz az InTrackerben.'],
      action: 'InTracker megnyitása',
    },
  },
};


function fill(text: string, vars: Record<string, string>, where: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new PermanentJobError(`email template ${where} needs the variable "${name}"`);
    return value;
  });
}

/**
 * The subject, text and HTML of `template` in `locale`. `vars` must hold every
 * placeholder and `link` (the register/accept URL); values are escaped in the HTML.
 */
export function render(template: TemplateName, locale: Locale, to: string, vars: Record<string, string>): EmailMessage {
  const source = TEMPLATES[template]?.[locale];
  if (!source) throw new PermanentJobError(`no email template ${template} in ${locale}`);
  const where = `${template} (${locale})`;
  const link = vars.link;
  if (!link) throw new PermanentJobError(`email template ${where} needs the variable "link"`);
  const escaped = Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, escapeHtml(value)]));
  const subject = fill(source.subject, vars, where);
  const lines = source.lines.map((line) => fill(line, vars, where));
  const htmlLines = source.lines.map((line) => fill(line, escaped, where));
  const text = [...lines, '', `${source.action}: ${link}`, ''].join('\n');
  const html = [
    `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif">`,
    ...htmlLines.map((line) => `<p>${line}</p>`),
    `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:8px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(source.action)}</a></p>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(link)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}
