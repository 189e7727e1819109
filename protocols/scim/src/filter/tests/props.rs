//! Property tests: random trees print to text that parses back to the same
//! tree; random input never panics, and whatever parses prints to text that
//! parses back to the same tree.

use proptest::prelude::*;

use super::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "$ref", "NOT"])
            .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "URN:x-Acme:v1.2-beta_3",
    ])
    .prop_map(str::to_owned)
}

fn attr_path() -> BoxedStrategy<AttrPath> {
    (prop::option::of(urn()), name(), prop::option::of(name()))
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
        .boxed()
}

fn bare_path() -> BoxedStrategy<AttrPath> {
    name().prop_map(AttrPath::new).boxed()
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::False),
        Just(CompValue::Null),
        Just(CompValue::True),
        any::<i64>().prop_map(|v| CompValue::Number(v.into())),
        any::<u64>().prop_map(|v| CompValue::Number(v.into())),
        any::<f64>().prop_filter_map("finite", |v| serde_json::Number::from_f64(v)
            .map(CompValue::Number)),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn attr_exp(path: BoxedStrategy<AttrPath>) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (path.clone(), op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare {
            path,
            op,
            value
        }),
        path.prop_map(|path| Filter::Present { path }),
    ]
}

fn logical(inner: impl Strategy<Value = Filter> + Clone) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
        (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
        inner.prop_map(not),
    ]
}

/// A value filter: bare sub-attribute names, no nested brackets.
fn value_filter() -> impl Strategy<Value = Filter> {
    attr_exp(bare_path()).prop_recursive(3, 12, 2, logical)
}

fn filter() -> impl Strategy<Value = Filter> {
    let value_path = (attr_path(), value_filter()).prop_map(|(mut attr, f)| {
        attr.sub = None;
        Filter::ValuePath {
            attr,
            filter: Box::new(f),
        }
    });
    prop_oneof![3 => attr_exp(attr_path()), 1 => value_path].prop_recursive(4, 24, 2, logical)
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path().prop_map(PatchPath::Attr),
        (attr_path(), value_filter(), prop::option::of(name())).prop_map(|(mut attr, f, sub)| {
            attr.sub = None;
            PatchPath::Value {
                attr,
                filter: Box::new(f),
                sub,
            }
        }),
    ]
}

/// Input built from the grammar's own pieces, to reach deep into it.
fn tokens() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        "not",
        "not (",
        "and",
        "or",
        "pr",
        "eq",
        "co",
        "gt",
        "a",
        "b.c",
        "emails",
        "urn:a:b:c",
        "\"x\"",
        "\"",
        "\\",
        "\\u",
        "1",
        "-2.5e3",
        "01",
        "true",
        "null",
        "True",
        ".",
        ":",
        " ",
        " ",
        " ",
        "\t",
        "$ref",
        "é",
        "\u{0}",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Parsing never panics; a refusal is a 400 `invalidFilter`; an accepted
/// filter's canonical text parses to the same tree.
fn check_filter_text(src: &str) -> Result<(), TestCaseError> {
    match Filter::parse(src) {
        Ok(f) => {
            let text = f.to_string();
            prop_assert_eq!(Filter::parse(&text), Ok(f.clone()), "{:?} -> {}", src, text);
            let _ = f.matches(&serde_json::json!({"a": [1, "x", {"b": null}], "emails": []}));
        }
        Err(e) => {
            prop_assert_eq!(e.status, 400);
            prop_assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        }
    }
    Ok(())
}

fn check_path_text(src: &str) -> Result<(), TestCaseError> {
    match PatchPath::parse(src) {
        Ok(p) => {
            let text = p.to_string();
            prop_assert_eq!(
                PatchPath::parse(&text),
                Ok(p.clone()),
                "{:?} -> {}",
                src,
                text
            );
        }
        Err(e) => {
            prop_assert_eq!(e.status, 400);
            prop_assert!(matches!(
                e.scim_type,
                Some(ScimType::InvalidPath | ScimType::InvalidFilter)
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_trees_round_trip_through_their_text(f in filter()) {
        let text = f.to_string();
        prop_assert_eq!(Filter::parse(&text), Ok(f), "{}", text);
    }

    #[test]
    fn random_patch_paths_round_trip_through_their_text(p in patch_path()) {
        let text = p.to_string();
        prop_assert_eq!(PatchPath::parse(&text), Ok(p), "{}", text);
    }

    #[test]
    fn random_strings_never_panic(src in any::<String>()) {
        check_filter_text(&src)?;
        check_path_text(&src)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let src = String::from_utf8_lossy(&bytes);
        check_filter_text(&src)?;
        check_path_text(&src)?;
    }

    #[test]
    fn random_token_soup_never_panics(src in tokens()) {
        check_filter_text(&src)?;
        check_path_text(&src)?;
        check_path_text(&format!("emails[{src}]"))?;
        check_path_text(&format!("emails[{src}].value"))?;
    }
}
