mod common;

use common::TestStore;

#[test]
fn init_creates_a_working_store() {
    let s = TestStore::new();
    let projects = s.json(&["project", "list"]);
    assert_eq!(projects.as_array().unwrap().len(), 1);
    assert_eq!(projects[0]["is_default"], true);
}
