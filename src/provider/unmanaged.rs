//! The plan's warnings about objects the engine leaves alone, as one
//! diagnostic: Terraform folds warnings that share a summary into the first
//! ("and 2 more similar warnings elsewhere"), which would hide all the
//! objects but one.

use crate::tfproto::diagnostics::Diagnostics;

pub fn report(warnings: &[String], diagnostics: &mut Diagnostics) {
    match warnings {
        [] => {}
        [one] => diagnostics.warning("Object not managed by this provider", one.clone()),
        several => {
            let listed: Vec<String> = several.iter().map(|warning| format!("    {warning}")).collect();
            diagnostics.warning(
                "Objects not managed by this provider",
                format!(
                    "{} objects are not managed yet; each is left as it is:\n\n{}",
                    several.len(),
                    listed.join("\n")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_objects_are_one_warning_listing_each() {
        let mut diagnostics = Diagnostics::new();
        report(&["a is left alone".to_string()], &mut diagnostics);
        report(
            &["b is left alone".to_string(), "c is not created".to_string()],
            &mut diagnostics,
        );
        let shown: Vec<(String, String)> = diagnostics
            .into_proto()
            .into_iter()
            .map(|d| (d.summary, d.detail))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "Object not managed by this provider".to_string(),
                    "a is left alone".to_string()
                ),
                (
                    "Objects not managed by this provider".to_string(),
                    "2 objects are not managed yet; each is left as it is:\n\n    b is left alone\n    c is not created"
                        .to_string()
                ),
            ]
        );
    }
}
