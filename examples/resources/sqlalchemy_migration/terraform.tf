# Not part of the documented example: what `terraform init` and
# `terraform validate` need to check it (see tests/docs.rs).
terraform {
  required_providers {
    sqlalchemy = {
      source = "tfalchemy/sqlalchemy"
    }
  }
}
