//! Workspaces: round trip, lookup by slug, slug conflicts (per tenant),
//! listing by slug, delete.

use usso::core::WorkspaceId;
use usso::store::{workspaces, Store};

use crate::harness::*;

store_tests!(
    workspace_round_trips_and_is_found_by_slug,
    workspace_slug_is_unique_in_a_tenant,
    workspaces_are_listed_by_slug,
    workspace_delete_is_final,
);

async fn workspace_round_trips_and_is_found_by_slug(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut ws = new_workspace(tenant.id, "team-a");
    ws.display_name = "Team A — Paris".into();
    ws.created_at = at(9);
    let mut c = store.conn().await.unwrap();
    workspaces::insert(&mut c, &ws).await.unwrap();
    assert_eq!(workspaces::get(&mut c, tenant.id, ws.id).await.unwrap(), ws);
    assert_eq!(
        workspaces::by_slug(&mut c, tenant.id, "team-a")
            .await
            .unwrap(),
        ws
    );
    assert_not_found(workspaces::by_slug(&mut c, tenant.id, "team-b").await);
    assert_not_found(workspaces::get(&mut c, tenant.id, WorkspaceId::new(T0)).await);
}

async fn workspace_slug_is_unique_in_a_tenant(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_workspace(&store, tenant.id, "team-a").await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(
        workspaces::insert(&mut c, &new_workspace(tenant.id, "team-a")).await,
        "slug",
    );
    assert_eq!(workspaces::list(&mut c, tenant.id).await.unwrap().len(), 1);
}

async fn workspaces_are_listed_by_slug(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_workspace(&store, other.id, "b-foreign").await;
    for slug in ["zulu", "alpha", "mike"] {
        add_workspace(&store, tenant.id, slug).await;
    }
    let mut c = store.conn().await.unwrap();
    let slugs: Vec<String> = workspaces::list(&mut c, tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.slug.to_string())
        .collect();
    assert_eq!(slugs, ["alpha", "mike", "zulu"]);
}

async fn workspace_delete_is_final(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let ws = add_workspace(&store, tenant.id, "team-a").await;
    let kept = add_workspace(&store, tenant.id, "team-b").await;
    let mut c = store.conn().await.unwrap();
    workspaces::delete(&mut c, tenant.id, ws.id).await.unwrap();
    assert_not_found(workspaces::get(&mut c, tenant.id, ws.id).await);
    assert_not_found(workspaces::by_slug(&mut c, tenant.id, "team-a").await);
    assert_not_found(workspaces::delete(&mut c, tenant.id, ws.id).await);
    assert_eq!(
        workspaces::list(&mut c, tenant.id).await.unwrap(),
        vec![kept]
    );
    workspaces::insert(&mut c, &new_workspace(tenant.id, "team-a"))
        .await
        .unwrap();
}
