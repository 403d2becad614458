import type { GitHubConfig } from '../../config.js';
import type { GitHubClients } from '../../integrations/github/octokit.js';
import type { OAuthStateStore } from '../../integrations/github/oauth-state.js';
import type { SecretBox } from '../../infra/secret-box.js';

/**
 * The long-lived parts GitHub work needs, one per app instance and reached through the
 * service context: the configuration, the Octokit clients, the key box for stored
 * tokens and the store of authorisations in progress.
 */
export class GitHubIntegration {
  /** Token refreshes in flight per user: refresh tokens are single-use, so concurrent calls share one. */
  readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    readonly config: GitHubConfig,
    readonly clients: GitHubClients,
    readonly secrets: SecretBox,
    readonly states: OAuthStateStore,
  ) {}
}
