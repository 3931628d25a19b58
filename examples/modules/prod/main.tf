# prod: PostgreSQL; data loss stays denied (the policy's default).

terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

variable "python" {
  description = "A Python interpreter with SQLAlchemy installed."
  type        = string
  default     = "python3"
}

variable "db_password" {
  description = "The app role's password."
  type        = string
  sensitive   = true
}

module "schema" {
  source = "../app_schema"

  database_url = "postgresql://app:${replace(urlencode(var.db_password), "+", "%20")}@db.prod.example:5432/shop?sslmode=verify-full"
  dialect      = "postgresql"
  python       = var.python
  extra_sql = [
    # Reporting views only prod has.
    file("${path.module}/reporting.sql"),
  ]
}

output "tables" {
  value = module.schema.tables
}
