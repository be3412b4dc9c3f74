# COP_SECRET signs reply and unsubscribe tokens. Terraform creates the secret but never
# its value (which would then sit in the state): add it with
#   openssl rand -base64 48 | tr -d '\n' | gcloud secrets versions add cop-secret --data-file=-
# before the functions are first deployed (README: "First deployment").

resource "google_secret_manager_secret" "cop" {
  secret_id = var.secret_id

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "runtime_reads_cop_secret" {
  secret_id = google_secret_manager_secret.cop.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_secret_manager_secret_iam_member" "web_reads_cop_secret" {
  secret_id = google_secret_manager_secret.cop.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.web.email}"
}
