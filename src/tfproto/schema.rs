//! Declaring provider, resource and data source schemas.
//!
//! One declaration serves two purposes: it is sent to Terraform as a
//! `tfplugin6.Schema`, and it yields the cty object type used to decode and
//! encode the values Terraform exchanges for that schema. Keeping both in one
//! place means the wire type can never drift from the declared schema.

use super::cty::Type;
use super::tfplugin6 as pb;

/// One attribute of a block.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Sent by Terraform in the configuration only: never in plans or state
    /// (Terraform 1.11 and later).
    pub write_only: bool,
}

impl Attribute {
    fn new(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            name,
            ty,
            description,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
        }
    }

    /// The user must set it.
    pub fn required(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            required: true,
            ..Self::new(name, ty, description)
        }
    }

    /// The user may set it; null when not set.
    pub fn optional(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            optional: true,
            ..Self::new(name, ty, description)
        }
    }

    /// Set by the provider only.
    pub fn computed(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    /// The user may set it; the provider fills it in when not set.
    pub fn optional_computed(name: &'static str, ty: Type, description: &'static str) -> Self {
        Self {
            optional: true,
            computed: true,
            ..Self::new(name, ty, description)
        }
    }

    /// Terraform hides the value in plans and output.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Terraform passes the value to the provider in the configuration, and
    /// never stores, shows or diffs it.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    fn to_proto(&self) -> pb::schema::Attribute {
        pb::schema::Attribute {
            name: self.name.to_string(),
            r#type: self.ty.to_json(),
            nested_type: None,
            description: self.description.to_string(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: false,
            write_only: self.write_only,
        }
    }
}

/// How a nested block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; the value is an object or null.
    Single,
    /// Any number, ordered; the value is a list of objects.
    List,
    /// Any number, unordered; the value is a set of objects.
    Set,
}

/// A nested block such as `policy { ... }`.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: &'static str,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

/// The body of a provider, resource or data source, or of a nested block.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub description: &'static str,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

impl Block {
    pub fn new(description: &'static str) -> Self {
        Self {
            description,
            ..Self::default()
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// The cty object type of this block's values, as Terraform encodes them.
    pub fn value_type(&self) -> Type {
        let attributes = self.attributes.iter().map(|a| (a.name, a.ty.clone()));
        let blocks = self.blocks.iter().map(|b| {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            (b.type_name, ty)
        });
        Type::object(attributes.chain(blocks))
    }

    pub fn to_proto(&self) -> pb::schema::Block {
        pb::schema::Block {
            version: 0,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self
                .blocks
                .iter()
                .map(|b| pb::schema::NestedBlock {
                    type_name: b.type_name.to_string(),
                    block: Some(b.block.to_proto()),
                    nesting: match b.nesting {
                        Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                        Nesting::List => pb::schema::nested_block::NestingMode::List,
                        Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                    } as i32,
                    min_items: b.min_items,
                    max_items: b.max_items,
                })
                .collect(),
            description: self.description.to_string(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: false,
        }
    }
}

/// A versioned schema: what `GetProviderSchema` returns per type.
#[derive(Debug, Clone)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Self {
        Self { version, block }
    }

    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(self.block.to_proto()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Block {
        Block::new("An example.")
            .attribute(Attribute::required("name", Type::String, "The name."))
            .attribute(Attribute::optional("secret", Type::String, "A secret.").sensitive())
            .attribute(Attribute::computed("items", Type::list(Type::String), "Items."))
            .block(NestedBlock {
                type_name: "policy",
                block: Block::new("Policy.").attribute(Attribute::optional(
                    "allow",
                    Type::list(Type::String),
                    "Allowed.",
                )),
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
            })
    }

    #[test]
    fn value_type_includes_attributes_and_nested_blocks() {
        let ty = example().value_type();
        let json = String::from_utf8(ty.to_json()).unwrap();
        assert_eq!(
            json,
            r#"["object",{"items":["list","string"],"name":"string","policy":["list",["object",{"allow":["list","string"]}]],"secret":"string"}]"#
        );
    }

    #[test]
    fn proto_carries_flags_and_markdown_descriptions() {
        let block = example().to_proto();
        assert_eq!(block.attributes.len(), 3);
        let secret = &block.attributes[1];
        assert!(secret.optional && secret.sensitive && !secret.required && !secret.computed);
        assert_eq!(secret.r#type, b"\"string\"");
        assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
        assert_eq!(block.block_types[0].max_items, 1);
        assert_eq!(
            block.block_types[0].nesting,
            pb::schema::nested_block::NestingMode::List as i32
        );
    }
}
