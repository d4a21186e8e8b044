//! The access review through the real binary: grants directly and through
//! groups with their dates, and, with `log_views`, the never-opened,
//! busy-day and outside-the-practice-areas flags.

use crate::support::World;

fn review(w: &World, who: &crate::support::Person, extra: &[&str]) -> serde_json::Value {
    let out = w.ok(who, &[&["access-review", "--json"][..], extra].concat());
    serde_json::from_str(&out).expect("json")
}

fn grants<'a>(v: &'a serde_json::Value, person: &str) -> Vec<&'a serde_json::Value> {
    v["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter(|g| g["person"] == person)
        .collect()
}

#[test]
fn grants_directly_and_through_groups_are_listed_with_their_dates_and_old_ones_flagged() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    let carol = w.person("Carol");
    let carol_fp = w.join(&carol, &alice);
    w.ok(&alice, &["group", "set", "immigration", &ben_fp]);
    let through_group = w.new_case(&alice, &["--grant", "@immigration"]);
    let direct = w.new_case(&alice, &["--grant", &carol_fp]);

    let v = review(&w, &alice, &[]);
    let bens = grants(&v, &ben_fp);
    assert_eq!(bens.len(), 1, "{v}");
    assert_eq!(bens[0]["case"], through_group.as_str());
    assert_eq!(bens[0]["through"], "group");
    assert_eq!(bens[0]["group"], "immigration");
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(
        bens[0]["since"]
            .as_str()
            .is_some_and(|s| s.starts_with(&today)),
        "{v}"
    );
    let carols = grants(&v, &carol_fp);
    assert_eq!(carols[0]["case"], direct.as_str());
    assert_eq!(carols[0]["through"], "reader");
    let alices = grants(&v, &w.fingerprint(&alice));
    assert_eq!(alices.len(), 2);
    assert!(alices.iter().all(|g| g["through"] == "owner"));
    assert_eq!(v["views_logged"], false);
    assert!(
        v["flags"].as_array().expect("flags").is_empty(),
        "nothing is a year old: {v}"
    );

    // Only Ben; and with an age of 0 days every grant is due for review.
    let v = review(&w, &alice, &["--person", &ben_fp, "--older-than", "0"]);
    assert_eq!(v["grants"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["flags"][0]["flag"], "old-grant");
    assert_eq!(v["flags"][0]["person"], ben_fp.as_str());
    let text = w.ok(&alice, &["access-review"]);
    assert!(
        text.contains(&format!("{through_group}  @immigration")),
        "{text}"
    );
    assert!(text.contains("views are not logged"), "{text}");
}

#[test]
fn with_views_logged_never_opened_busy_days_and_openings_outside_the_areas_are_flagged() {
    let w = World::new();
    let alice = w.person("Alice");
    w.init_vault(&alice);
    let ben = w.person("Ben");
    let ben_fp = w.join(&ben, &alice);
    w.ok(&alice, &["group", "set", "immigration", &ben_fp]);
    let asylum = w.new_case(&alice, &["--grant", "@immigration"]);
    w.ok(&alice, &["case", "set", &asylum, "practice_area=asylum"]);
    let family = w.new_case(&alice, &["--grant", &ben_fp]);
    w.ok(&alice, &["case", "set", &family, "practice_area=family"]);
    let mut many = Vec::new();
    for _ in 0..10 {
        many.push(w.new_case(&alice, &["--grant", &ben_fp]));
    }
    w.ok(&alice, &["settings", "log_views=true"]);
    // Ben opens the family case and ten others today, never the asylum case.
    w.ok(&ben, &["case", "show", &family]);
    for id in &many {
        w.ok(&ben, &["case", "show", id]);
    }

    let v = review(&w, &alice, &["--person", &ben_fp]);
    assert_eq!(v["views_logged"], true);
    let flags = v["flags"].as_array().expect("flags");
    let has = |flag: &str, case: Option<&str>| {
        flags
            .iter()
            .any(|f| f["flag"] == flag && case.is_none_or(|c| f["case"] == c))
    };
    assert!(has("never-opened", Some(&asylum)), "{v}");
    assert!(!has("never-opened", Some(&family)), "{v}");
    assert!(has("busy-day", None), "11 openings in one day: {v}");
    let busy = flags
        .iter()
        .find(|f| f["flag"] == "busy-day")
        .expect("busy");
    assert_eq!(busy["opened"], 11);
    assert!(
        has("outside-areas", Some(&family)),
        "family is not @immigration's area: {v}"
    );
    let opened = grants(&v, &ben_fp)
        .into_iter()
        .find(|g| g["case"] == family.as_str())
        .expect("the family grant");
    assert!(opened["last_opened"].is_string(), "{v}");
    let text = w.ok(&alice, &["access-review", "--person", &ben_fp]);
    for said in ["NEVER OPENED", "BUSY DAY", "OUTSIDE AREAS"] {
        assert!(text.contains(said), "{said} in {text}");
    }
}
