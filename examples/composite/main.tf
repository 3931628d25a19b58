# A composite schema: tables from SQLAlchemy models, plus row-level security,
# a trigger and a view written as SQL (sql/*.sql, applied in file-name order
# after the models' DDL). One resource owns all of it, so a plan shows every
# change together and the order the statements need.

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

variable "database_url" {
  description = "The PostgreSQL database to manage."
  type        = string
  sensitive   = true
}

variable "python" {
  description = "A Python interpreter with SQLAlchemy installed."
  type        = string
  default     = "python3"
}

data "sqlalchemy_models" "app" {
  path    = "${path.module}/models.py"
  python  = var.python
  dialect = "postgresql"
}

locals {
  # fileset() returns the names in no documented order: sort them.
  extra_sql = [for name in sort(fileset(path.module, "sql/*.sql")) : file("${path.module}/${name}")]
}

resource "sqlalchemy_schema" "app" {
  url         = var.database_url
  desired_sql = join("\n", concat([data.sqlalchemy_models.app.sql], local.extra_sql))
}

output "schema_hash" {
  description = "SHA-256 of the live schema after apply."
  value       = sqlalchemy_schema.app.schema_hash
}
