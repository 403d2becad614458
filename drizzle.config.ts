import { defineConfig } from 'drizzle-kit';

// drizzle-kit only diffs the TypeScript schema against the committed snapshots;
// it never connects to a database here.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
});
