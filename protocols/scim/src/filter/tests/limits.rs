//! The limits: input length, nesting depth, number of comparisons. Each is
//! refused cleanly as `invalidFilter`, without deep recursion.

use super::*;

fn nested_parens(levels: usize) -> String {
    format!("{}a pr{}", "(".repeat(levels), ")".repeat(levels))
}

fn nested_nots(levels: usize) -> String {
    format!("{}a pr{}", "not (".repeat(levels), ")".repeat(levels))
}

fn chain(count: usize) -> String {
    vec!["a pr"; count].join(" and ")
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    assert_eq!(parse(&nested_parens(MAX_DEPTH)), pr("a"));
    let mut want = pr("a");
    for _ in 0..MAX_DEPTH {
        want = not(want);
    }
    assert_eq!(parse(&nested_nots(MAX_DEPTH)), want);
    // A bracket is a level too.
    let src = format!(
        "{}emails[type pr]{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(parse(&src), vp("emails", pr("type")));
}

#[test]
fn nesting_past_the_limit_is_refused_where_it_passes() {
    let err = refused(&nested_parens(MAX_DEPTH + 1));
    assert_eq!(position(&err), MAX_DEPTH);
    assert!(err.detail.unwrap().contains("nested deeper than 32"));

    let err = refused(&nested_nots(MAX_DEPTH + 1));
    assert_eq!(position(&err), MAX_DEPTH * 5);

    let src = format!(
        "{}emails[type pr]{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    let err = refused(&src);
    assert_eq!(position(&err), MAX_DEPTH + "emails".len());
}

#[test]
fn ten_thousand_open_parentheses_are_refused() {
    // Over the length limit as written; within it, the depth limit stops it.
    let err = refused(&"(".repeat(10_000));
    assert!(err.detail.unwrap().contains("limit is 4096"));
    let err = refused(&"(".repeat(MAX_FILTER_LEN));
    assert_eq!(position(&err), MAX_DEPTH);
    let err = refused(&"not (".repeat(MAX_FILTER_LEN / 5));
    assert!(err.detail.unwrap().contains("nested deeper"));
    let err = refused(&"a[".repeat(MAX_FILTER_LEN / 2));
    assert!(err.detail.unwrap().contains("do not nest"));
}

#[test]
fn a_megabyte_is_refused_before_it_is_read() {
    let big = format!(r#"userName eq "{}""#, "x".repeat(1 << 20));
    let err = refused(&big);
    assert_eq!(position(&err), MAX_FILTER_LEN);
    assert!(err.detail.unwrap().contains("the limit is 4096"));
    let err = refused(&"(".repeat(1 << 20));
    assert_eq!(position(&err), MAX_FILTER_LEN);
}

#[test]
fn length_up_to_the_limit_is_accepted() {
    let head = r#"userName eq """#;
    let pad = "x".repeat(MAX_FILTER_LEN - head.len());
    let src = format!(r#"userName eq "{pad}""#);
    assert_eq!(src.len(), MAX_FILTER_LEN);
    assert_eq!(parse(&src), eq("userName", s(&pad)));
    let src = format!(r#"userName eq "{pad}x""#);
    assert_eq!(src.len(), MAX_FILTER_LEN + 1);
    refused(&src);
}

#[test]
fn comparisons_up_to_the_limit_are_accepted() {
    let f = parse(&chain(MAX_COMPARISONS));
    assert_eq!(parse(&f.to_string()), f);
    let src = format!("emails[{}]", chain(MAX_COMPARISONS));
    parse(&src);
}

#[test]
fn comparisons_past_the_limit_are_refused() {
    let err = refused(&chain(MAX_COMPARISONS + 1));
    // The 101st comparison starts after 100 × "a pr and ".
    assert_eq!(position(&err), MAX_COMPARISONS * "a pr and ".len());
    assert!(err.detail.unwrap().contains("more than 100 comparisons"));
    // Those inside value paths count too.
    let src = format!("x pr or emails[{}]", chain(MAX_COMPARISONS));
    refused(&src);
}

#[test]
fn hostile_input_parses_on_a_small_stack() {
    let inputs = [
        "(".repeat(MAX_FILTER_LEN),
        "not (".repeat(MAX_FILTER_LEN / 5),
        "a[".repeat(MAX_FILTER_LEN / 2),
        nested_parens(MAX_DEPTH),
        nested_nots(MAX_DEPTH),
        chain(MAX_COMPARISONS),
    ];
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            for src in &inputs {
                match Filter::parse(src) {
                    Ok(f) => {
                        let text = f.to_string();
                        assert!(Filter::parse(&text).is_ok());
                        let _ = f.matches(&serde_json::json!({"a": 1}));
                    }
                    Err(e) => assert_eq!(e.scim_type, Some(ScimType::InvalidFilter)),
                }
            }
        })
        .unwrap();
    worker.join().unwrap();
}

#[test]
fn patch_paths_have_the_same_limits() {
    let err = PatchPath::parse(&"a".repeat(MAX_FILTER_LEN + 1)).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidPath));
    PatchPath::parse(&"a".repeat(MAX_FILTER_LEN)).unwrap();
    let deep = format!(
        "emails[{}type pr{}]",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    let err = PatchPath::parse(&deep).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    assert!(err.detail.unwrap().contains("nested deeper"));
    let many = format!("emails[{}]", chain(MAX_COMPARISONS + 1));
    let err = PatchPath::parse(&many).unwrap_err();
    assert!(err.detail.unwrap().contains("more than 100"));
}
