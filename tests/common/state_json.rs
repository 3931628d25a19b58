//! Reading `terraform show -json` documents (state and saved plans).

use serde_json::Value;

/// The attribute values of `address` in a state document
/// (`values.root_module.resources[].values`).
#[track_caller]
pub fn state_values<'a>(show: &'a Value, address: &str) -> &'a Value {
    find_state_values(show, address).unwrap_or_else(|| panic!("no resource {address} in the state:\n{show:#}"))
}

/// Like [`state_values`], but `None` when the resource is not in the state.
pub fn find_state_values<'a>(show: &'a Value, address: &str) -> Option<&'a Value> {
    show.pointer("/values/root_module/resources")?
        .as_array()?
        .iter()
        .find(|resource| resource["address"] == address)
        .map(|resource| &resource["values"])
}

/// The planned change of `address` in a saved plan (`resource_changes[].change`).
#[track_caller]
pub fn planned_change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|change| change["address"] == address))
        .map(|change| &change["change"])
        .unwrap_or_else(|| panic!("no planned change for {address}:\n{plan:#}"))
}

/// The actions of a planned change, e.g. `["create"]` or `["no-op"]`.
pub fn actions(change: &Value) -> Vec<String> {
    strings(&change["actions"])
}

/// A JSON array of strings as a `Vec`; panics on anything else.
#[track_caller]
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array of strings, got {value}"))
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("expected a string, got {item}"))
                .to_owned()
        })
        .collect()
}

/// True for a lowercase hex SHA-256 digest.
pub fn is_sha256_hex(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}
