import type { Db } from '../db/client.js';
import { TodoStatements } from './todos/statements.js';

/** The hot paths' prepared queries, built once per database and shared by every request. */
export class PreparedStatements {
  readonly todos: TodoStatements;

  constructor(db: Db) {
    this.todos = new TodoStatements(db);
  }
}
