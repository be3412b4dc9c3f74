# State: one Firestore database in native mode. Single-field indexes (automatic) cover
# every query the store makes, so there are no composite indexes to declare.

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
