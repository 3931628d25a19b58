# Quick start: a SQLite database whose schema is the DDL in schema.sql.
# `scripts/quickstart.sh` runs this example; see the README.

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

# The database to manage. A relative SQLite path would be resolved against
# the directory Terraform runs in; abspath() pins the file next to this one.
provider "sqlalchemy" {
  url = "sqlite:///${abspath(path.module)}/app.db"
}

resource "sqlalchemy_schema" "app" {
  # The schema the database should have. `terraform plan` shows, in
  # planned_sql, the statements that take the live database there.
  desired_sql = file("${path.module}/schema.sql")
}

output "database" {
  description = "The managed database (its URL, password redacted)."
  value       = sqlalchemy_schema.app.id
}

output "schema_hash" {
  description = "SHA-256 of the live schema after apply."
  value       = sqlalchemy_schema.app.schema_hash
}
