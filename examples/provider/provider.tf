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
  # terraform runs). For PostgreSQL, "postgresql+psycopg://app:PASSWORD@db.example:5432/app"
  # with the password percent-encoded (see Database URLs below).
  url = "sqlite:///${abspath(path.module)}/app.db"
}
