# State: one Firestore database in native mode. Single-field indexes (automatic) cover
# every query the store makes (the communities due: `due.at`) but two: pending mail of a
# community, by retry time, and a member's communities, by address.

resource "google_firestore_database" "main" {
  project     = var.project_id
  name        = var.firestore_database
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED" # 7 days of versions

  # terraform destroy forgets the database but keeps it and its data (README: Tear down).
  deletion_policy         = "ABANDON"
  delete_protection_state = var.firestore_delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"

  depends_on = [google_project_service.apis]
}

# The outbox's pending messages of one community whose retry time has come.
resource "google_firestore_index" "claims_retry" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "claims"

  fields {
    field_path = "community"
    order      = "ASCENDING"
  }
  fields {
    field_path = "retry_at"
    order      = "ASCENDING"
  }
}

# Claims, outbox ledger entries and handled-reply keys are deleted once `expires` passes
# (some weeks after the message stopped mattering), so the store does not grow for ever.
resource "google_firestore_field" "claims_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "claims"
  field      = "expires"

  ttl_config {}
  index_config {} # a timestamp only the TTL reads: no single-field index to keep
}

# A fresh mail (no reply token) finds the sender's communities with one collection-group
# query on members' `email`: Firestore keeps single-field indexes for a collection only, so
# the collection-group one is asked for here (the collection one is kept as well).
resource "google_firestore_field" "member_email" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "members"
  field      = "email"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION"
    }
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}
