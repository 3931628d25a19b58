# Versioned migrations: a SQLite database kept at the latest version of the
# reviewed files in migrations/, written from the models' DDL by
#
#   terraform-provider-sqlalchemy migrate diff init --dir migrations \
#     --dialect sqlite --desired schema_v1.sql
#   terraform-provider-sqlalchemy migrate diff add_posts --dir migrations \
#     --dialect sqlite --desired schema.sql
#
# `terraform plan` shows the pending files and their SQL; `desired_sql`
# fails the plan if schema.sql (the models) has a change no file makes yet.

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

resource "sqlalchemy_migration" "app" {
  # An absolute path: a relative SQLite path would be resolved against the
  # provider's working directory.
  url         = "sqlite:///${abspath(path.module)}/app.db"
  dir         = "migrations"
  desired_sql = file("${path.module}/schema.sql")
}

data "sqlalchemy_migrations" "app" {
  dir = "migrations"
}

output "current_version" {
  value = sqlalchemy_migration.app.current_version
}

output "latest_version" {
  value = data.sqlalchemy_migrations.app.latest
}
