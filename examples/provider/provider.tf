terraform {
  required_providers {
    sqlalchemy = {
      source  = "tfalchemy/sqlalchemy"
      version = "~> 0.1"
    }
  }
}

# Defaults for every sqlalchemy_schema resource that does not set its own url.
provider "sqlalchemy" {
  # A SQLite file next to this configuration (abspath: not relative to where
  # terraform runs). For PostgreSQL:
  #   url = "postgresql+psycopg://app:${var.db_password}@db.example:5432/app"
  url = "sqlite:///${abspath(path.module)}/app.db"
}
