//! `xtu progress` and `xtu plan` through the built binary against the fake
//! XTU, on a stored session: both commands and every flag, and the numbers
//! adding up.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;
use xtu_fake::{FakeXtu, System};

/// The fake and a state directory with the demo student logged in.
async fn logged_in() -> (FakeXtu, tempfile::TempDir) {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let login = xtu(
        &fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    (fake, dir)
}

async fn run(fake: &FakeXtu, dir: &tempfile::TempDir, args: &[&str]) -> common::Run {
    let state = dir.path().to_string_lossy().into_owned();
    xtu(fake, args, &[("XTU_STATE_DIR", &state)], None).await
}

async fn json(fake: &FakeXtu, dir: &tempfile::TempDir, args: &[&str]) -> Value {
    let run = run(fake, dir, args).await;
    serde_json::from_str(run.ok()).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn passed_credits(category: &Value) -> f64 {
    category["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .filter(|c| c["status"] == "passed")
        .filter_map(|c| number(&c["credits"]))
        .sum()
}

#[tokio::test]
async fn progress_prints_the_audit_and_its_numbers_add_up() {
    let (fake, dir) = logged_in().await;
    fake.clear_requests();
    let audit = json(&fake, &dir, &["progress"]).await;
    let keys: Vec<&str> = audit
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    // The shape exactly (serde_json's map sorts the keys).
    assert_eq!(
        keys,
        ["categories", "outside_plan", "student_id", "summary"]
    );
    assert_eq!(audit["student_id"], USER);
    let categories = audit["categories"].as_array().expect("categories");
    // Every leaf with stated credits: earned = the credits of its passed
    // courses (the site says so of this demo, which was built to agree).
    let mut leaves = 0;
    for category in categories {
        let is_parent = categories.iter().any(|c| c["parent"] == category["id"]);
        if is_parent {
            continue;
        }
        leaves += 1;
        if let Some(earned) = number(&category["earned_credits"]) {
            let passed = passed_credits(category);
            assert!(
                (passed - earned).abs() < 1e-9,
                "{}: passed {passed} ≠ earned {earned}",
                category["name"]
            );
        }
        // Missing = required − earned where both are stated.
        if let (Some(required), Some(earned), Some(missing)) = (
            number(&category["required_credits"]),
            number(&category["earned_credits"]),
            number(&category["missing_credits"]),
        ) {
            assert!((missing - (required - earned).max(0.0)).abs() < 1e-9);
        }
    }
    // A parent's requirement is the site's, not its children's sum (40 ≠ 38).
    let general = categories
        .iter()
        .find(|c| c["name"] == "通识教育")
        .expect("通识教育");
    let children: Vec<&Value> = categories
        .iter()
        .filter(|c| c["parent"] == general["id"])
        .collect();
    assert_eq!(children.len(), 3);
    let children_required: f64 = children
        .iter()
        .filter_map(|c| number(&c["required_credits"]))
        .sum();
    assert_eq!(number(&general["required_credits"]), Some(40.0));
    assert_eq!(children_required, 38.0);
    let children_earned: f64 = children
        .iter()
        .filter_map(|c| number(&c["earned_credits"]))
        .sum();
    assert_eq!(number(&general["earned_credits"]), Some(children_earned));
    // Special entries: blank credits are null.
    let other = categories
        .iter()
        .find(|c| c["id"] == "qtkcxfyq")
        .expect("其他课程");
    assert_eq!(other["required_credits"], Value::Null);
    // The summary counts are the courses' statuses.
    let courses: Vec<&Value> = categories
        .iter()
        .flat_map(|c| c["courses"].as_array().expect("courses"))
        .collect();
    let count = |status: &str| courses.iter().filter(|c| c["status"] == status).count();
    let summary = &audit["summary"];
    assert_eq!(summary["planned"], courses.len());
    assert_eq!(summary["passed"], count("passed"));
    assert_eq!(summary["failed"], count("failed"));
    assert_eq!(summary["in_progress"], count("in_progress"));
    assert_eq!(summary["not_taken"], count("not_taken"));
    assert_eq!(summary["outside_plan"], 1);
    assert_eq!(audit["outside_plan"][0]["name"], "日语入门");
    let failed = courses
        .iter()
        .find(|c| c["status"] == "failed")
        .expect("a failed course");
    assert_eq!(failed["score"], "52");
    // The index page once, then each leaf's list and the outside list.
    assert_eq!(
        fake.count(System::Ems, "GET", "/jwglxt/xsxy/xsxyqk_cxXsxyqkIndex.html"),
        1
    );
    assert_eq!(
        fake.count(
            System::Ems,
            "POST",
            "/jwglxt/xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html"
        ),
        leaves
    );
    let form = fake
        .ems_forms("progress-courses")
        .pop()
        .expect("a list request");
    assert_eq!(form.get("xh_id").map(String::as_str), Some(USER));
}

#[tokio::test]
async fn progress_missing_keeps_what_is_short_and_not_passed() {
    let (fake, dir) = logged_in().await;
    let audit = json(&fake, &dir, &["progress", "--missing", "--format", "json"]).await;
    let categories = audit["categories"].as_array().expect("categories");
    let names: Vec<&str> = categories
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"大学英语") && names.contains(&"集中实践"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"思想政治理论"),
        "a category met is left out: {names:?}"
    );
    for category in categories {
        assert!(number(&category["missing_credits"]).is_some_and(|m| m > 0.0));
        for course in category["courses"].as_array().expect("courses") {
            assert_ne!(course["status"], "passed", "{course}");
        }
    }
    assert_eq!(audit["outside_plan"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn progress_as_a_table_fits_80_columns() {
    let (fake, dir) = logged_in().await;
    let run = run(&fake, &dir, &["progress", "--missing", "--format", "table"]).await;
    let text = run.ok();
    assert!(text.starts_with(&format!("学业情况 {USER}")), "{text}");
    assert!(text.contains("大学英语(4)"), "{text}");
    assert!(text.contains("[#############-------]  66%"), "{text}");
    for line in text.lines() {
        let width = unicode_width::UnicodeWidthStr::width(line);
        assert!(width <= 80, "{width} columns: {line}");
    }
}

#[tokio::test]
async fn plan_own_other_majors_and_errors() {
    let (fake, dir) = logged_in().await;
    let own = json(&fake, &dir, &["plan"]).await;
    let keys: Vec<&str> = own
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["college", "courses", "grade", "major"]);
    assert_eq!(own["major"]["code"], "0501");
    assert_eq!(own["grade"], "2022");
    let course = &own["courses"][0];
    let course_keys: Vec<&str> = course
        .as_object()
        .expect("a course")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        course_keys,
        [
            "assessment",
            "category",
            "code",
            "credits",
            "name",
            "nature",
            "term"
        ]
    );
    assert!(course["credits"].is_number(), "{course}");

    let other = json(&fake, &dir, &["plan", "--major", "0502", "--grade", "2022"]).await;
    assert_eq!(other["major"]["name"], "软件工程");
    let form = fake.ems_forms("plan-query").pop().expect("a query");
    assert_eq!(form.get("zyh_id").map(String::as_str), Some("0502"));
    assert_eq!(form.get("njdm_id").map(String::as_str), Some("2022"));

    let majors = json(&fake, &dir, &["plan", "--majors"]).await;
    assert_eq!(majors[1]["code"], "0502");

    let table = run(&fake, &dir, &["plan", "--format", "table"]).await;
    assert!(
        table.ok().contains("培养方案 计算机科学与技术 2022 级"),
        "{table:#?}"
    );

    // Checked before any request; a plan the site does not have is named.
    let before = fake.requests().len();
    let bad = run(&fake, &dir, &["plan", "--major", "05&x", "--grade", "2022"]).await;
    assert!(bad.fails_with(2).contains("invalid major"), "{bad:#?}");
    assert_eq!(fake.requests().len(), before);
    let missing = run(&fake, &dir, &["plan", "--major", "0999", "--grade", "2022"]).await;
    assert!(missing.fails_with(2).contains("0999"), "{missing:#?}");
    let alone = run(&fake, &dir, &["plan", "--major", "0502"]).await;
    assert_eq!(alone.code, 2, "{alone:#?}");
}

#[tokio::test]
async fn saved_pages_parse_offline() {
    let fixture = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/ems")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    let fake = fake().await;
    let progress = xtu(
        &fake,
        &["parse", "progress", &fixture("progress.html")],
        &[],
        None,
    )
    .await;
    let audit: Value = serde_json::from_str(progress.ok()).expect("json");
    assert_eq!(audit["categories"].as_array().map(Vec::len), Some(11));
    let plan = xtu(&fake, &["parse", "plan", &fixture("plan.json")], &[], None).await;
    let courses: Value = serde_json::from_str(plan.ok()).expect("json");
    assert!(courses.as_array().is_some_and(|c| !c.is_empty()));
    let broken = xtu(
        &fake,
        &["parse", "progress", &fixture("progress.no-tree.html")],
        &[],
        None,
    )
    .await;
    assert!(
        broken.fails_with(9).contains("progress page"),
        "{broken:#?}"
    );
    assert!(fake.requests().is_empty());
}
