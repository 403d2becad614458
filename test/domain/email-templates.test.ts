import { describe, expect, it } from 'vitest';
import { render } from '../../src/integrations/email/templates.js';
import { TEMPLATE_NAMES } from '../../src/integrations/email/types.js';
import { PermanentJobError } from '../../src/infra/jobs/types.js';

const vars = { inviterName: 'Ada', teamName: 'Core', expiresAt: '2026-01-17', link: 'https://app.example.test/register?code=abc&email=a%40b.test' };

describe('email templates', () => {
  it('render every template in English and Hungarian with the link in both bodies', () => {
    for (const template of TEMPLATE_NAMES) {
      for (const locale of ['en', 'hu'] as const) {
        const message = render(template, locale, 'a@b.test', vars);
        expect(message.subject, `${template}/${locale}`).not.toContain('{{');
        expect(message.text).toContain(vars.link);
        expect(message.html).toContain(vars.link.replace(/&/g, '&amp;'));
        expect(message.html).toContain(`lang="${locale}"`);
      }
    }
  });

  it('fail permanently, naming the variable, instead of mailing a placeholder', () => {
    const { teamName: _teamName, ...withoutTeam } = vars;
    expect(() => render('team_invitation', 'en', 'a@b.test', withoutTeam)).toThrow(PermanentJobError);
    expect(() => render('team_invitation', 'hu', 'a@b.test', withoutTeam)).toThrow('email template team_invitation (hu) needs the variable "teamName"');
    const { link: _link, ...withoutLink } = vars;
    expect(() => render('admin_invitation', 'en', 'a@b.test', withoutLink)).toThrow('needs the variable "link"');
  });

  it('escape values in the HTML body but not in the text body', () => {
    const message = render('team_added', 'en', 'a@b.test', { ...vars, teamName: '<script>x</script>' });
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('&lt;script&gt;');
    expect(message.text).toContain('<script>x</script>');
  });
});
