//! Ordering by real dependencies: the views, materialized views and routines
//! of a schema form a graph (what each uses, as PostgreSQL recorded it in
//! `pg_depend`); creates follow it, drops go against it, and whatever uses
//! an object that is dropped must be dropped before it and recreated after.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::engine::model::{Routine, Schema};

/// Views, materialized views and routines, each with the keys it uses
/// (relations, types and routines alike).
pub struct Graph<'a> {
    uses: BTreeMap<&'a str, Cow<'a, [String]>>,
}

impl<'a> Graph<'a> {
    pub fn of(schema: &'a Schema) -> Graph<'a> {
        let views = schema
            .views
            .iter()
            .map(|(k, v)| (k.as_str(), Cow::from(&*v.depends_on)));
        let routines = schema
            .routines
            .iter()
            .map(|(k, r)| (k.as_str(), Cow::from(&*r.depends_on)));
        Graph {
            uses: views.chain(routines).collect(),
        }
    }

    /// [`Graph::of`] with domains too, each using the routines its checks
    /// and default call: orders domains and routines among themselves (a
    /// routine's signature may use a domain). Not for [`Graph::dependents`]:
    /// a domain's users need not be rebuilt with it.
    pub fn with_domains(schema: &'a Schema) -> Graph<'a> {
        let mut graph = Graph::of(schema);
        for key in schema.domains.keys() {
            let calls: Vec<String> = schema.routine_users.called_by_domain(key).cloned().collect();
            graph.uses.insert(key.as_str(), Cow::Owned(calls));
        }
        graph
    }

    /// What `key` uses directly.
    pub fn uses(&self, key: &str) -> &[String] {
        self.uses.get(key).map(|uses| &**uses).unwrap_or_default()
    }

    /// `keys` ordered so each comes after the keys among them it uses, in
    /// rounds: everything ready, by key, then the next round. Deterministic;
    /// a cycle (PostgreSQL allows none) leaves the rest in key order.
    pub fn creation_order(&self, keys: &BTreeSet<String>) -> Vec<String> {
        let mut ordered: Vec<String> = Vec::with_capacity(keys.len());
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        while placed.len() < keys.len() {
            let ready: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .filter(|key| !placed.contains(key))
                .filter(|key| {
                    self.uses(key)
                        .iter()
                        .all(|used| used == key || !keys.contains(used) || placed.contains(used.as_str()))
                })
                .collect();
            if ready.is_empty() {
                ordered.extend(keys.iter().filter(|k| !placed.contains(k.as_str())).cloned());
                break;
            }
            for key in ready {
                placed.insert(key);
                ordered.push(key.to_string());
            }
        }
        ordered
    }

    /// The reverse of [`Graph::creation_order`]: users before what they use.
    pub fn drop_order(&self, keys: &BTreeSet<String>) -> Vec<String> {
        let mut ordered = self.creation_order(keys);
        ordered.reverse();
        ordered
    }

    /// Every node that uses one of `roots`, directly or through other nodes.
    pub fn dependents(&self, roots: &BTreeSet<String>) -> BTreeSet<String> {
        let mut found: BTreeSet<String> = BTreeSet::new();
        loop {
            let before = found.len();
            for (key, uses) in &self.uses {
                if !found.contains(*key) && uses.iter().any(|used| roots.contains(used) || found.contains(used)) {
                    found.insert(key.to_string());
                }
            }
            if found.len() == before {
                return found;
            }
        }
    }

    /// True when `key` uses one of `targets`, directly or through other
    /// nodes of the graph.
    pub fn reaches(&self, key: &str, targets: &BTreeSet<String>) -> bool {
        self.dependents(targets).contains(key)
    }
}

/// The key `routine` is stored under in `schema` (routine keys carry
/// argument types the model does not otherwise keep).
pub fn routine_key<'s>(schema: &'s Schema, routine: &Routine) -> Option<&'s String> {
    schema.routines.iter().find(|(_, r)| *r == routine).map(|(key, _)| key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Dependencies, View};

    fn view(name: &str, uses: &[&str]) -> View {
        View {
            name: name.to_string(),
            definition: format!("SELECT * FROM {name}"),
            namespace: Some("public".to_string()),
            materialized: false,
            depends_on: Dependencies(uses.iter().map(|d| d.to_string()).collect()),
            columns: Vec::new(),
            indexes: BTreeMap::new(),
            options: Vec::new(),
        }
    }

    fn routine(name: &str, uses: &[&str]) -> Routine {
        Routine {
            namespace: "public".to_string(),
            name: name.to_string(),
            procedure: false,
            aggregate: false,
            identity_arguments: String::new(),
            arguments: String::new(),
            result: "integer".to_string(),
            definition: format!("CREATE FUNCTION {name}() …"),
            depends_on: Dependencies(uses.iter().map(|d| d.to_string()).collect()),
        }
    }

    fn sample() -> Schema {
        let mut schema = Schema::default();
        schema
            .views
            .insert("public.a".into(), view("a", &["public.c", "public.f()"]));
        schema.views.insert("public.b".into(), view("b", &["public.t"]));
        schema.views.insert("public.c".into(), view("c", &["public.b"]));
        schema.routines.insert("public.f()".into(), routine("f", &["public.b"]));
        schema.routines.insert("public.g()".into(), routine("g", &[]));
        schema
    }

    fn keys(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn creates_follow_uses_and_drops_go_against_them() {
        let schema = sample();
        let graph = Graph::of(&schema);
        let all = keys(&["public.a", "public.b", "public.c", "public.f()", "public.g()"]);
        assert_eq!(
            graph.creation_order(&all),
            vec!["public.b", "public.g()", "public.c", "public.f()", "public.a"]
        );
        assert_eq!(
            graph.drop_order(&keys(&["public.a", "public.b", "public.c"])),
            vec!["public.a", "public.c", "public.b"]
        );
    }

    #[test]
    fn dependents_are_found_through_views_and_routines() {
        let schema = sample();
        let graph = Graph::of(&schema);
        assert_eq!(
            graph.dependents(&keys(&["public.t"])),
            keys(&["public.a", "public.b", "public.c", "public.f()"])
        );
        assert_eq!(graph.dependents(&keys(&["public.f()"])), keys(&["public.a"]));
        assert!(graph.reaches("public.a", &keys(&["public.t"])));
        assert!(!graph.reaches("public.g()", &keys(&["public.t"])));
    }

    #[test]
    fn domains_order_with_the_routines_they_call_and_that_use_them() {
        use crate::engine::model::{Domain, RoutineUser};
        let mut schema = Schema::default();
        schema
            .routines
            .insert("public.check_it(integer)".into(), routine("check_it", &[]));
        schema
            .routines
            .insert("public.over(public.a_dom)".into(), routine("over", &["public.a_dom"]));
        schema.domains.insert(
            "public.a_dom".into(),
            Domain {
                namespace: "public".into(),
                name: "a_dom".into(),
                data_type: "integer".into(),
                collation: None,
                default: None,
                not_null: false,
                checks: Vec::new(),
                spelling: String::new(),
            },
        );
        schema.routine_users.0.insert(
            "public.check_it(integer)".into(),
            [RoutineUser::DomainCheck {
                domain: "public.a_dom".into(),
                name: "d_check".into(),
            }]
            .into(),
        );
        let all = keys(&["public.check_it(integer)", "public.a_dom", "public.over(public.a_dom)"]);
        assert_eq!(
            Graph::with_domains(&schema).creation_order(&all),
            vec!["public.check_it(integer)", "public.a_dom", "public.over(public.a_dom)"]
        );
        assert_eq!(
            Graph::with_domains(&schema).drop_order(&all),
            vec!["public.over(public.a_dom)", "public.a_dom", "public.check_it(integer)"]
        );
        // The plain graph does not see the call (the domain would go first),
        // so what it finds to rebuild around a routine never includes domains.
        assert_eq!(Graph::of(&schema).creation_order(&all)[0], "public.a_dom");
        assert!(Graph::of(&schema)
            .dependents(&keys(&["public.check_it(integer)"]))
            .is_empty());
    }

    #[test]
    fn a_cycle_keeps_key_order() {
        let mut schema = Schema::default();
        schema.views.insert("public.x".into(), view("x", &["public.y"]));
        schema.views.insert("public.y".into(), view("y", &["public.x"]));
        let graph = Graph::of(&schema);
        assert_eq!(
            graph.creation_order(&keys(&["public.x", "public.y"])),
            vec!["public.x", "public.y"]
        );
    }
}
