data "sqlalchemy_models" "app" {
  module      = "app.models" # or: path = "${path.module}/app/models"
  python      = "${path.module}/.venv/bin/python"
  dialect     = "postgresql"
  working_dir = path.module
}

resource "sqlalchemy_schema" "app" {
  url = var.database_url
  desired_sql = join("\n", [
    data.sqlalchemy_models.app.sql,
    file("${path.module}/triggers.sql"),
  ])
}

variable "database_url" {
  type      = string
  sensitive = true
}
