CREATE TABLE "github_import_runs" (
	"job_id" varchar(64) PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"kind" varchar(20) NOT NULL,
	"options" jsonb NOT NULL,
	"status" varchar(20) DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "github_import_runs_status_check" CHECK ("github_import_runs"."status" in ('queued', 'running', 'completed', 'failed')),
	CONSTRAINT "github_import_runs_kind_check" CHECK ("github_import_runs"."kind" in ('issues', 'milestones'))
);
--> statement-breakpoint
ALTER TABLE "github_import_runs" ADD CONSTRAINT "github_import_runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_import_runs" ADD CONSTRAINT "github_import_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "github_import_runs_user_idx" ON "github_import_runs" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "github_import_runs_created_idx" ON "github_import_runs" USING btree ("created_at");