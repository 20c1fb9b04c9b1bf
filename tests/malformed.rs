//! The malformed-spec corpus, run through the real binary: every field of
//! the `runc spec` config given a wrong type, numbers too large, negative
//! ids, invalid UTF-8 in every string, nesting past the limit, and every
//! capacity exceeded by one. Each gives 125, exactly one `nsinit: spec:`
//! line naming the field, and the workload never runs. (Truncation at every
//! byte is in tests/spec_errors.rs.) Runs in a private mount namespace, so
//! a mutation that were valid could not touch the host.

mod common;

use common::*;
use serde_json::{Value, json};

const PRIVATE: Wrapper = Wrapper { argv: &["unshare", "--mount", "--propagation", "private"], depth: 0 };

/// Runs one spec; returns the single stderr line after checking 125 and
/// that the workload never ran.
fn refused(doc: &[u8], what: &str) -> String {
    let dir = TempDir::new();
    let out = Run::new().wrap(PRIVATE).cwd(dir.path()).spec(doc.to_vec()).cmd(touch(&dir.marker())).run();
    assert_eq!(out.code(), 125, "{what}: {out:?}\n{}", String::from_utf8_lossy(doc));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: exactly one line\n{out:?}");
    assert!(lines[0].starts_with("nsinit: spec: "), "{what}: {out:?}");
    assert_not_ran(&dir.marker());
    lines[0].to_string()
}

/// The path of a value as nsinit prints it: `mounts[2].options`.
fn printed(path: &[Step]) -> String {
    let mut s = String::new();
    for (i, p) in path.iter().enumerate() {
        match p {
            Step::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every value of the document with its path, but under fields nsinit
/// skips (whatever they hold is fine).
fn values(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, Value)>) {
    const SKIPPED: [&str; 2] = ["ociVersion", "resources"];
    out.push((path.clone(), v.clone()));
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if SKIPPED.contains(&k.as_str()) {
                    continue;
                }
                path.push(Step::Key(k.clone()));
                values(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Step::Index(i));
                values(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn set(doc: &mut Value, path: &[Step], new: Value) {
    let mut v = doc;
    for p in path {
        v = match p {
            Step::Key(k) => v.get_mut(k.as_str()).unwrap(),
            Step::Index(i) => v.get_mut(*i).unwrap(),
        };
    }
    *v = new;
}

/// Values of another JSON type than `v` (never null: null is "absent").
fn wrong_types(v: &Value) -> Vec<Value> {
    match v {
        Value::String(_) => vec![json!(1), json!(true), json!({}), json!([])],
        Value::Number(_) => vec![json!("1"), json!(false), json!([1]), json!(1.5), json!(-1)],
        Value::Bool(_) => vec![json!("true"), json!(1), json!({})],
        Value::Array(_) => vec![json!({}), json!("x"), json!(7)],
        Value::Object(_) => vec![json!([]), json!("x"), json!(0)],
        Value::Null => vec![],
    }
}

/// The runc default config with the workload replaced by the test's.
fn runc_config() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/runc-spec-config.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_field_with_a_wrong_type_is_refused_at_its_path() {
    let base = runc_config();
    let mut all = Vec::new();
    values(&base, &mut Vec::new(), &mut all);
    let mut tried = 0;
    for (path, v) in all.iter().filter(|(p, _)| !p.is_empty()) {
        for bad in wrong_types(v) {
            // A negative number is its own row below (it is a range error
            // for ids, but a valid value nowhere here).
            let mut doc = base.clone();
            set(&mut doc, path, bad.clone());
            let what = format!("{} = {bad}", printed(path));
            let line = refused(&serde_json::to_vec(&doc).unwrap(), &what);
            let want = format!("nsinit: spec: {}: ", printed(path));
            assert!(line.starts_with(&want), "{what}: {line}");
            tried += 1;
        }
    }
    eprintln!("wrong types: {tried} malformed specs refused");
    assert!(tried > 200, "{tried}");
}

#[test]
fn numbers_out_of_range_and_negative_ids_are_refused() {
    let rows: &[(&str, Value, &str)] = &[
        ("process.user.uid", json!(-1), "expected a non-negative integer"),
        ("process.user.gid", json!(-1), "expected a non-negative integer"),
        ("process.user.uid", json!(4294967296u64), "must be at most 2147483647"),
        ("process.user.uid", json!(4294967295u64), "must be at most 2147483647"),
        ("process.user.additionalGids", json!([-5]), "expected a non-negative integer"),
        ("process.rlimits", json!([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": -1}]), "expected a non-negative integer"),
        ("process.oomScoreAdj", json!(1001), "must be between -1000 and 1000"),
        ("process.oomScoreAdj", json!(-1001), "must be between -1000 and 1000"),
        ("process.user.umask", json!(512), "must be at most 0777 (511)"),
    ];
    let mut tried = 0;
    for (field, value, why) in rows {
        let mut doc = json!({"process": {"args": ["true"]}});
        let mut at = &mut doc;
        let parts: Vec<&str> = field.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            if at.get(*p).is_none() {
                at[*p] = json!({});
            }
            at = at.get_mut(*p).unwrap();
        }
        at[parts[parts.len() - 1]] = value.clone();
        let line = refused(&serde_json::to_vec(&doc).unwrap(), field);
        assert!(line.ends_with(why), "{field}: {line}");
        tried += 1;
    }
    // Past u64: every number field.
    let huge = "18446744073709551616";
    for (field, doc) in [
        ("process.rlimits[0].soft", format!(r#"{{"process":{{"args":["true"],"rlimits":[{{"type":"RLIMIT_NOFILE","soft":{huge},"hard":1}}]}}}}"#)),
        ("process.rlimits[0].hard", format!(r#"{{"process":{{"args":["true"],"rlimits":[{{"type":"RLIMIT_NOFILE","soft":1,"hard":{huge}}}]}}}}"#)),
        (
            "linux.seccomp.syscalls[0].args[0].value",
            format!(
                r#"{{"process":{{"args":["true"]}},"linux":{{"seccomp":{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{{"names":["read"],"action":"SCMP_ACT_LOG","args":[{{"index":0,"value":{huge},"op":"SCMP_CMP_EQ"}}]}}]}}}}}}"#
            ),
        ),
        ("linux.devices[0].major", format!(r#"{{"process":{{"args":["true"]}},"linux":{{"devices":[{{"path":"/dev/x","type":"c","major":{huge},"minor":1}}]}}}}"#)),
    ] {
        let line = refused(doc.as_bytes(), field);
        assert!(line.starts_with(&format!("nsinit: spec: {field}: ")), "{line}");
        tried += 1;
    }
    eprintln!("numbers: {tried} malformed specs refused");
}

#[test]
fn invalid_utf8_in_every_string_is_refused() {
    let base = runc_config();
    let text = serde_json::to_string(&base).unwrap();
    // Every string literal of the document (keys and values), by the
    // offset of its opening quote.
    let bytes = text.as_bytes();
    let mut quotes = Vec::new();
    let (mut i, mut in_str) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            b'"' => {
                if !in_str {
                    quotes.push(i);
                }
                in_str = !in_str;
            }
            _ => {}
        }
        i += 1;
    }
    let mut tried = 0;
    for q in quotes {
        for bad in [&[0xffu8][..], &[0xc3], &[0xe2, 0x82], &[0xed, 0xa0, 0x80]] {
            let mut doc = bytes[..=q].to_vec();
            doc.extend_from_slice(bad);
            doc.extend_from_slice(&bytes[q + 1..]);
            let line = refused(&doc, &format!("invalid UTF-8 at {q}"));
            assert!(line.ends_with("invalid UTF-8 in string"), "{line}");
            tried += 1;
        }
    }
    eprintln!("invalid UTF-8: {tried} malformed specs refused");
}

#[test]
fn nesting_past_the_limit_is_refused_and_below_it_skipped() {
    let nest = |n: usize| format!(r#"{{"process":{{"args":["true"]}},"x":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
    let line = refused(nest(200).as_bytes(), "200 levels");
    assert!(line.ends_with("nested deeper than 128 levels"), "{line}");
    let line = refused(nest(100_000).as_bytes(), "100000 levels");
    assert!(line.ends_with("nested deeper than 128 levels"), "{line}");
    let dir = TempDir::new();
    let ok = format!(r#"{{"process":{{"args":{}}},"x":{}1{}}}"#, json_strs(&touch(&dir.marker())), "[".repeat(127), "]".repeat(127));
    let out = Run::new().wrap(PRIVATE).arg("-s").spec(ok).run();
    out.assert_code(0);
    assert!(dir.marker().exists(), "the workload ran");
}

#[test]
fn every_capacity_exceeded_by_one_is_refused() {
    let strs = |n: usize, f: &dyn Fn(usize) -> String| Value::Array((0..n).map(|i| Value::String(f(i))).collect());
    let rows: Vec<(&str, Value, &str)> = vec![
        ("process.args", json!({"process": {"args": strs(1025, &|i| format!("a{i}"))}}), "more than 1024 entries"),
        ("process.env", json!({"process": {"args": ["true"], "env": strs(1025, &|i| format!("K{i}=v"))}}), "more than 1024 entries"),
        (
            "mounts",
            json!({"process": {"args": ["true"]}, "mounts": (0..129).map(|i| json!({"destination": format!("/m{i}")})).collect::<Vec<_>>()}),
            "more than 128 entries",
        ),
        ("linux.maskedPaths", json!({"process": {"args": ["true"]}, "linux": {"maskedPaths": strs(129, &|i| format!("/p{i}"))}}), "more than 128 entries"),
        ("linux.readonlyPaths", json!({"process": {"args": ["true"]}, "linux": {"readonlyPaths": strs(129, &|i| format!("/p{i}"))}}), "more than 128 entries"),
        (
            "linux.devices",
            json!({"process": {"args": ["true"]}, "linux": {"devices": (0..129).map(|i| json!({"path": format!("/dev/f{i}"), "type": "p"})).collect::<Vec<_>>()}}),
            "more than 128 entries",
        ),
        ("process.user.additionalGids", json!({"process": {"args": ["true"], "user": {"additionalGids": (0..257).collect::<Vec<u32>>()}}}), "more than 256 entries"),
        (
            "linux.seccomp.syscalls",
            json!({"process": {"args": ["true"]}, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": (0..513).map(|_| json!({"names": ["read"], "action": "SCMP_ACT_LOG"})).collect::<Vec<_>>()}}}),
            "more than 512 entries",
        ),
        (
            "linux.seccomp.syscalls[0].names",
            json!({"process": {"args": ["true"]}, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": strs(4097, &|i| format!("s{i}")), "action": "SCMP_ACT_LOG"}]}}}),
            "more than 4096 syscall names in all rules",
        ),
        ("hostname", json!({"process": {"args": ["true"]}, "hostname": "h".repeat(65)}), "longer than 64 bytes"),
    ];
    let mut sysctl = serde_json::Map::new();
    for i in 0..129 {
        sysctl.insert(format!("net.k{i}"), json!("1"));
    }
    let sysctl_doc = json!({"process": {"args": ["true"]}, "linux": {"namespaces": [{"type": "network"}], "sysctl": sysctl}});
    let mut tried = 0;
    for (field, doc, why) in rows.iter().chain([("linux.sysctl", sysctl_doc, "more than 128 entries")].iter()) {
        let line = refused(&serde_json::to_vec(doc).unwrap(), field);
        assert!(line.starts_with(&format!("nsinit: spec: {field}: {why}")), "{field}: {line}");
        tried += 1;
    }
    // Past 1 MiB.
    let big = format!(r#"{{"process":{{"args":["true"]}},"x":"{}"}}"#, "a".repeat(1 << 20));
    let dir = TempDir::new();
    let out = Run::new().wrap(PRIVATE).spec(big).cmd(touch(&dir.marker())).run();
    assert_eq!(out.code(), 125, "{out:?}");
    assert_one_error_line(&out.stderr, "nsinit: spec: fd 3: larger than 1 MiB");
    assert_not_ran(&dir.marker());
    eprintln!("capacities: {} malformed specs refused", tried + 1);
}
