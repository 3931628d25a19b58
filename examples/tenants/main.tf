# One schema, many tenant databases: one sqlalchemy_schema per tenant, all
# from the same models. The databases themselves (and their roles) are made
# by another provider; see README.md for the pairing with
# cyrilgdn/postgresql. This configuration only needs ours.

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

variable "tenants" {
  description = "Tenant names; tenant NAME's database is <database_prefix>NAME on the server."
  type        = set(string)
  default     = ["acme", "globex"]
}

variable "database_prefix" {
  description = "The tenant databases' names are this followed by the tenant's name."
  type        = string
  default     = "tenant_"
}

variable "db_host" {
  type    = string
  default = "db.example:5432"
}

variable "db_user" {
  type    = string
  default = "app"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "python" {
  description = "A Python interpreter with SQLAlchemy installed."
  type        = string
  default     = "python3"
}

# Exported once, used for every tenant.
data "sqlalchemy_models" "app" {
  path    = "${path.module}/models.py"
  python  = var.python
  dialect = "postgresql"
}

resource "sqlalchemy_schema" "tenant" {
  for_each = var.tenants

  # With cyrilgdn/postgresql managing the databases, iterate over them
  # instead: for_each = postgresql_database.tenant, and use each.value.name.
  url         = "postgresql://${var.db_user}:${replace(urlencode(var.db_password), "+", "%20")}@${var.db_host}/${var.database_prefix}${each.key}"
  desired_sql = data.sqlalchemy_models.app.sql
}

output "schema_hashes" {
  description = "Each tenant's schema hash: equal hashes, equal schemas."
  value       = { for tenant, schema in sqlalchemy_schema.tenant : tenant => schema.schema_hash }
}
