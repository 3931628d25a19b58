//! Where inside a value something happened, written the way Terraform users
//! read attribute paths: `.planned_sql[3]`, `.tags["env"]`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute.
    Attribute(String),
    /// A list, set or tuple element, counted from zero in wire order.
    Index(usize),
    /// A map element.
    Key(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    steps: Vec<PathStep>,
}

impl Path {
    /// The path of the whole value.
    pub fn root() -> Path {
        Path::default()
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// This path extended by one step.
    pub fn join(&self, step: PathStep) -> Path {
        let mut steps = self.steps.clone();
        steps.push(step);
        Path { steps }
    }

    pub(crate) fn push(&mut self, step: PathStep) {
        self.steps.push(step);
    }

    pub(crate) fn pop(&mut self) {
        self.steps.pop();
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str("(root)");
        }
        for step in &self.steps {
            match step {
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_attributes_indexes_and_keys() {
        let path = Path::root()
            .join(PathStep::Attribute("planned_sql".into()))
            .join(PathStep::Index(3));
        assert_eq!(path.to_string(), ".planned_sql[3]");
        let path = Path::root()
            .join(PathStep::Attribute("tags".into()))
            .join(PathStep::Key("env".into()));
        assert_eq!(path.to_string(), ".tags[\"env\"]");
        assert_eq!(Path::root().to_string(), "(root)");
    }
}
