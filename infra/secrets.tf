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

# Every function signs or checks reply and unsubscribe tokens.
resource "google_secret_manager_secret_iam_member" "reads_cop_secret" {
  for_each  = local.function_accounts
  secret_id = google_secret_manager_secret.cop.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value}"
}

moved {
  from = google_secret_manager_secret_iam_member.web_reads_cop_secret
  to   = google_secret_manager_secret_iam_member.reads_cop_secret["web"]
}

# The rota mailbox's own OAuth consent: an authorized_user JSON (client_id, client_secret,
# refresh_token, and "account", the mailbox), added like COP_SECRET, never by Terraform
# (README: "Sending as the rota's mailbox"). It acts as that one mailbox, nobody else.
resource "google_secret_manager_secret" "gmail_oauth" {
  secret_id = var.gmail_oauth_secret_id

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# Only the functions that act as the mailbox; web never.
resource "google_secret_manager_secret_iam_member" "reads_gmail_oauth" {
  for_each  = local.mailbox_accounts
  secret_id = google_secret_manager_secret.gmail_oauth.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value}"
}
