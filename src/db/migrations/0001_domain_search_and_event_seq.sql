ALTER TABLE "documents" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce("documents"."title", '')), 'A') || setweight(to_tsvector('simple', coalesce("documents"."content", '')), 'B')) STORED;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce("features"."name", '')), 'A') || setweight(to_tsvector('simple', coalesce("features"."description", '')), 'B')) STORED;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "event_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "todos" ADD COLUMN "project_id" uuid;--> statement-breakpoint
UPDATE "todos" SET "project_id" = "project_elements"."project_id" FROM "project_elements" WHERE "project_elements"."id" = "todos"."element_id";--> statement-breakpoint
ALTER TABLE "todos" ALTER COLUMN "project_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "todos" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce("todos"."title", '')), 'A') || setweight(to_tsvector('simple', coalesce("todos"."description", '')), 'B') || setweight(to_tsvector('simple', coalesce("todos"."blocker_reason", '')), 'C')) STORED;--> statement-breakpoint
ALTER TABLE "todos" ADD CONSTRAINT "todos_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "documents_search_idx" ON "documents" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "features_search_idx" ON "features" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "todos_project_status_idx" ON "todos" USING btree ("project_id","status");--> statement-breakpoint
CREATE INDEX "todos_search_idx" ON "todos" USING gin ("search_vector");