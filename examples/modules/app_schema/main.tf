# One schema from the shop models, for whichever database the root gives.
# Both roots (../dev and ../prod) call this module; only the database differs.

locals {
  # The models live next to this module; the path is relative to the
  # directory Terraform runs in, as path.module is.
  models_dir = "${path.module}/../models"
}

data "sqlalchemy_models" "shop" {
  module      = "shop.models"
  working_dir = local.models_dir
  python      = var.python
  dialect     = var.dialect
}

resource "sqlalchemy_schema" "this" {
  url         = var.database_url
  desired_sql = join("\n", concat([data.sqlalchemy_models.shop.sql], var.extra_sql))

  policy {
    allow = var.allow
  }
}
