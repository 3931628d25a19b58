"""The shop's models: one package, exported for every environment."""
