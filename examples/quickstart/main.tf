# Quick start: a SQLite database whose schema is the SQLAlchemy models in
# blog/models plus the extra SQL in views.sql.
# `scripts/quickstart.sh` runs this example; see the README.

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

variable "python" {
  description = "A Python interpreter with SQLAlchemy 1.4 or 2.x installed."
  type        = string
  default     = "python3"
}

# The database to manage. A relative SQLite path would be resolved against
# the directory Terraform runs in; abspath() pins the file next to this one.
provider "sqlalchemy" {
  url = "sqlite:///${abspath(path.module)}/app.db"
}

# The models, exported as the DDL SQLAlchemy itself would emit for SQLite.
data "sqlalchemy_models" "blog" {
  module      = "blog.models"
  working_dir = path.module
  python      = var.python
  dialect     = "sqlite"
}

resource "sqlalchemy_schema" "app" {
  # The schema the database should have: the models plus a view. `terraform
  # plan` shows, in planned_sql, the statements that take the live database there.
  desired_sql = join("\n", [
    data.sqlalchemy_models.blog.sql,
    file("${path.module}/views.sql"),
  ])
}

output "tables" {
  description = "The tables the models define, and where."
  value       = { for s in data.sqlalchemy_models.blog.sources : s.table => "${s.file}:${s.line}" }
}

output "schema_hash" {
  description = "SHA-256 of the live schema after apply."
  value       = sqlalchemy_schema.app.schema_hash
}
