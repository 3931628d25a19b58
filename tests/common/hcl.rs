//! Renders Terraform configuration for the tests: the `required_providers`
//! block, the provider block, `sqlalchemy_schema` resources and any raw HCL.

use std::fmt::Write as _;

use super::provider_mirror::{provider_version, PROVIDER_SOURCE, PROVIDER_TYPE};

/// An HCL quoted string literal for `text`, with template sequences escaped
/// so SQL is taken verbatim.
pub fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                quoted.push(c);
                quoted.push(c);
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// A whole `main.tf`: the `terraform` block pinning our provider, then blocks.
#[derive(Debug, Clone)]
pub struct Config {
    blocks: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    pub fn new() -> Self {
        let terraform = format!(
            "terraform {{\n  required_providers {{\n    {PROVIDER_TYPE} = {{\n      source  = {}\n      version = {}\n    }}\n  }}\n}}\n",
            quote(PROVIDER_SOURCE),
            quote(provider_version()),
        );
        Self {
            blocks: vec![terraform],
        }
    }

    pub fn provider(mut self, provider: ProviderBlock) -> Self {
        self.blocks.push(provider.render());
        self
    }

    pub fn schema(mut self, schema: SchemaBlock) -> Self {
        self.blocks.push(schema.render());
        self
    }

    /// An `import` block adopting `id` into resource address `to`.
    pub fn import(mut self, to: &str, id: &str) -> Self {
        self.blocks
            .push(format!("import {{\n  to = {to}\n  id = {}\n}}\n", quote(id)));
        self
    }

    /// Any other HCL, verbatim.
    pub fn raw(mut self, hcl: &str) -> Self {
        self.blocks.push(format!("{}\n", hcl.trim_end()));
        self
    }

    pub fn render(&self) -> String {
        self.blocks.join("\n")
    }
}

/// `provider "sqlalchemy" { ... }`; every attribute is optional.
#[derive(Debug, Clone, Default)]
pub struct ProviderBlock {
    url: Option<String>,
    dev_url: Option<String>,
}

impl ProviderBlock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.to_owned());
        self
    }

    pub fn dev_url(mut self, dev_url: &str) -> Self {
        self.dev_url = Some(dev_url.to_owned());
        self
    }

    fn render(&self) -> String {
        let mut block = format!("provider {} {{\n", quote(PROVIDER_TYPE));
        write_string_attribute(&mut block, "url", self.url.as_deref());
        write_string_attribute(&mut block, "dev_url", self.dev_url.as_deref());
        block.push_str("}\n");
        block
    }
}

/// `resource "sqlalchemy_schema" "<name>" { ... }`.
#[derive(Debug, Clone)]
pub struct SchemaBlock {
    name: String,
    url: Option<String>,
    dev_url: Option<String>,
    /// An HCL expression, already rendered.
    desired_sql: String,
    /// `policy { allow = [...] }` entries, when set.
    allow: Option<Vec<String>>,
    /// Other lines of the `policy` block, such as `skip = [...]`.
    policy_lines: Vec<String>,
    /// Other attributes, as `name = <HCL expression>` lines.
    attributes: Vec<String>,
}

impl SchemaBlock {
    /// A resource whose `desired_sql` is the literal `ddl`.
    pub fn new(name: &str, ddl: &str) -> Self {
        Self::with_desired_expression(name, &quote(ddl))
    }

    /// A resource whose `desired_sql` is an arbitrary expression, such as a
    /// reference to another resource's attribute.
    pub fn with_desired_expression(name: &str, expression: &str) -> Self {
        Self {
            name: name.to_owned(),
            url: None,
            dev_url: None,
            desired_sql: expression.to_owned(),
            allow: None,
            policy_lines: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.to_owned());
        self
    }

    pub fn dev_url(mut self, dev_url: &str) -> Self {
        self.dev_url = Some(dev_url.to_owned());
        self
    }

    /// Adds `policy { allow = [...] }` with these hazard codes or categories.
    pub fn allow(mut self, hazards: &[&str]) -> Self {
        self.allow = Some(hazards.iter().map(|h| (*h).to_owned()).collect());
        self
    }

    /// Adds `policy { <name> = [...] }` with these strings (with `allow`, one block).
    pub fn policy_list(self, name: &str, items: &[&str]) -> Self {
        let list: Vec<String> = items.iter().map(|item| quote(item)).collect();
        self.policy_setting(name, &format!("[{}]", list.join(", ")))
    }

    /// Adds `policy { <name> = <expression> }` (HCL, verbatim).
    pub fn policy_setting(mut self, name: &str, expression: &str) -> Self {
        self.policy_lines.push(format!("{name} = {expression}"));
        self
    }

    /// Adds the attribute `name = <expression>` (HCL, verbatim).
    pub fn attribute(mut self, name: &str, expression: &str) -> Self {
        self.attributes.push(format!("{name} = {expression}"));
        self
    }

    /// This resource's Terraform address, e.g. `sqlalchemy_schema.app`.
    pub fn address(&self) -> String {
        resource_address(&self.name)
    }

    fn render(&self) -> String {
        let mut block = format!(
            "resource {} {} {{\n",
            quote(&format!("{PROVIDER_TYPE}_schema")),
            quote(&self.name)
        );
        write_string_attribute(&mut block, "url", self.url.as_deref());
        write_string_attribute(&mut block, "dev_url", self.dev_url.as_deref());
        let _ = writeln!(block, "  desired_sql = {}", self.desired_sql);
        for attribute in &self.attributes {
            let _ = writeln!(block, "  {attribute}");
        }
        let mut policy = self.policy_lines.clone();
        if let Some(allow) = &self.allow {
            let list: Vec<String> = allow.iter().map(|h| quote(h)).collect();
            policy.insert(0, format!("allow = [{}]", list.join(", ")));
        }
        if !policy.is_empty() {
            let _ = writeln!(block, "  policy {{\n    {}\n  }}", policy.join("\n    "));
        }
        block.push_str("}\n");
        block
    }
}

/// The address of the `sqlalchemy_schema` resource called `name`.
pub fn resource_address(name: &str) -> String {
    format!("{PROVIDER_TYPE}_schema.{name}")
}

fn write_string_attribute(block: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = writeln!(block, "  {name} = {}", quote(value));
    }
}
