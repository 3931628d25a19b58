# dev: a SQLite file next to this configuration; anything goes.

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

module "schema" {
  source = "../app_schema"

  database_url = "sqlite:///${abspath(path.root)}/dev.db"
  dialect      = "sqlite"
  python       = var.python
  # A developer's database: dropping tables and columns is fine here.
  allow = ["data_loss"]
}

output "tables" {
  value = module.schema.tables
}
