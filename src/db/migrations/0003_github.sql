CREATE TABLE "github_webhook_deliveries" (
	"delivery_id" varchar(100) PRIMARY KEY NOT NULL,
	"event" varchar(60) NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "github_milestone_number" integer;--> statement-breakpoint
CREATE INDEX "features_project_milestone_idx" ON "features" USING btree ("project_id","github_milestone_number");--> statement-breakpoint
CREATE INDEX "projects_github_repo_idx" ON "projects" USING btree ("github_repo_id");--> statement-breakpoint
CREATE INDEX "todos_project_issue_idx" ON "todos" USING btree ("project_id","github_issue_number");