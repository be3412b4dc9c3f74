# Service accounts and who may do what. No primitive roles (owner/editor/viewer) anywhere,
# no service-account keys, and no account that signs for itself.

# --- The functions' own identities -----------------------------------------------------
# Each function runs as its own account, granted what that function does and nothing
# more: a flaw in one (the public pages above all) reaches no further than its own grants.
# tick, run_community, inbox and the console act as the rota's mailbox through that
# mailbox's own OAuth consent (secrets.tf): they can act as nobody else, and sign nothing.
# Domain-wide delegation is an option that needs a grant on each of them and a Workspace
# admin (README: "Sending as the rota's mailbox"). The Calendar API needs no IAM role: the
# events are written as the mailbox.

resource "google_service_account" "tick" {
  account_id   = "${var.name_prefix}-tick"
  display_name = "cop-rota tick"
  description  = "Runs tick: finds what is due, publishes one fanout message per community, renews the inbox watch, reads the calendar's answers."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "run_community" {
  account_id   = "${var.name_prefix}-run"
  display_name = "cop-rota run_community"
  description  = "Runs one community's due jobs from a fanout message: sends its mail, writes its calendar events."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "inbox" {
  account_id   = "${var.name_prefix}-inbox"
  display_name = "cop-rota inbox"
  description  = "Reads and answers the replies in the rota's mailbox when Gmail announces new mail."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "console" {
  account_id   = "${var.name_prefix}-console"
  display_name = "cop-rota organiser's console"
  description  = "Runs the organiser's console behind IAP; its actions change the rota and send the confirmations."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "unsubscribe" {
  account_id   = "${var.name_prefix}-unsubscribe"
  display_name = "cop-rota unsubscribe"
  description  = "Takes off the rota the members whose one-click unsubscribe the web function published. No mail."
  depends_on   = [google_project_service.apis]
}

locals {
  # The functions that act as the rota's mailbox: each reads and writes the store and
  # reads COP_SECRET and the mailbox's consent (secrets.tf).
  mailbox_accounts = {
    tick          = google_service_account.tick.email
    run_community = google_service_account.run_community.email
    inbox         = google_service_account.inbox.email
    console       = google_service_account.console.email
  }
  # The functions that write the store: these and the unsubscribe consumer.
  store_writers = {
    tick          = google_service_account.tick.email
    run_community = google_service_account.run_community.email
    inbox         = google_service_account.inbox.email
    console       = google_service_account.console.email
    unsubscribe   = google_service_account.unsubscribe.email
  }
  # Every function's own account: these and web's.
  function_accounts = {
    tick          = google_service_account.tick.email
    run_community = google_service_account.run_community.email
    inbox         = google_service_account.inbox.email
    console       = google_service_account.console.email
    unsubscribe   = google_service_account.unsubscribe.email
    web           = google_service_account.web.email
  }
}

# Firestore has no finer resource than the project for data access.
resource "google_project_iam_member" "datastore_user" {
  for_each = local.store_writers
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = "serviceAccount:${each.value}"
}

# secretmanager.secretAccessor on cop-secret (all) and the mailbox's consent (the four
# mailbox accounts only): secrets.tf. pubsub.publisher on the fanout topic, for tick only,
# and on the unsubscribe topic, for web only: pubsub.tf.

# --- Web: the public function's own identity ---------------------------------------------
# It reads the store, publishes one-click unsubscribes for the unsubscribe function to
# apply (pubsub.tf), and reads the secret that signs links.
# It cannot sign delegation assertions and has no mailbox consent, so it can neither
# send mail nor read the inbox.

resource "google_service_account" "web" {
  account_id   = "${var.name_prefix}-web"
  display_name = "cop-rota web (public pages)"
  description  = "Runs the public web function: unsubscribe, roster page, calendar feed. No mail, no inbox."
  depends_on   = [google_project_service.apis]
}

# Reads only: the token index of its pages is kept by the tick, and an unsubscribe is
# published, not written.
resource "google_project_iam_member" "web_datastore_viewer" {
  project = var.project_id
  role    = "roles/datastore.viewer"
  member  = "serviceAccount:${google_service_account.web.email}"
}

# --- Scheduler: the only identity that may invoke tick ----------------------------------

resource "google_service_account" "scheduler" {
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "cop-rota Cloud Scheduler"
  description  = "Signs the OIDC token of the 15-minute tick; may invoke the tick function and nothing else."
  depends_on   = [google_project_service.apis]
}


# --- Fanout trigger: the only identity that may invoke run_community --------------------

resource "google_service_account" "fanout_trigger" {
  account_id   = "${var.name_prefix}-fanout-trigger"
  display_name = "cop-rota fanout trigger"
  description  = "Identity of the push subscription that delivers fanout messages to run_community."
  depends_on   = [google_project_service.apis]
}


# --- Inbox trigger: the only identity that may invoke inbox ------------------------------

resource "google_service_account" "inbox_trigger" {
  account_id   = "${var.name_prefix}-inbox-trigger"
  display_name = "cop-rota Gmail push trigger"
  description  = "Identity of the push subscription that delivers Gmail notifications to inbox."
  depends_on   = [google_project_service.apis]
}

# --- Unsubscribe trigger: the only identity that may invoke unsubscribe -------------------

resource "google_service_account" "unsubscribe_trigger" {
  account_id   = "${var.name_prefix}-unsubscribe-trigger"
  display_name = "cop-rota unsubscribe trigger"
  description  = "Identity of the push subscription that delivers published unsubscribes to the unsubscribe function."
  depends_on   = [google_project_service.apis]
}

# --- Who may invoke which function ------------------------------------------------------

locals {
  # The one identity that may invoke each non-public function.
  invokers = {
    tick          = google_service_account.scheduler.email
    run_community = google_service_account.fanout_trigger.email
    inbox         = google_service_account.inbox_trigger.email
    unsubscribe   = google_service_account.unsubscribe_trigger.email
  }
  # Identities of the push subscriptions (Pub/Sub mints their OIDC tokens).
  trigger_accounts = {
    fanout = google_service_account.fanout_trigger.name
    inbox       = google_service_account.inbox_trigger.name
    unsubscribe = google_service_account.unsubscribe_trigger.name
  }
}

# Authoritative for run.invoker on each service: any other invoker (allUsers included)
# added outside Terraform is removed on the next apply.
resource "google_cloud_run_v2_service_iam_binding" "invoker" {
  for_each = local.invokers
  project  = var.project_id
  location = var.region
  name     = local.function_names[each.key]
  role     = "roles/run.invoker"
  members  = ["serviceAccount:${each.value}"]

  depends_on = [google_cloudfunctions2_function.http]
}

# Pub/Sub mints the push subscriptions' OIDC tokens as the trigger accounts. Projects
# created before 8 April 2021 need this grant; later ones have it built in.
resource "google_service_account_iam_member" "pubsub_tokens_for_trigger" {
  for_each           = local.trigger_accounts
  service_account_id = each.value
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.pubsub_service_agent}"
  depends_on         = [google_project_service.apis] # the agent appears with the API
}

moved {
  from = google_cloud_run_v2_service_iam_binding.tick_invoker
  to   = google_cloud_run_v2_service_iam_binding.invoker["tick"]
}

moved {
  from = google_cloud_run_v2_service_iam_binding.run_community_invoker
  to   = google_cloud_run_v2_service_iam_binding.invoker["run_community"]
}

moved {
  from = google_cloud_run_v2_service_iam_binding.inbox_invoker
  to   = google_cloud_run_v2_service_iam_binding.invoker["inbox"]
}

moved {
  from = google_service_account_iam_member.pubsub_tokens_for_trigger
  to   = google_service_account_iam_member.pubsub_tokens_for_trigger["fanout"]
}

moved {
  from = google_service_account_iam_member.pubsub_tokens_for_inbox_trigger
  to   = google_service_account_iam_member.pubsub_tokens_for_trigger["inbox"]
}

# --- Web: public, because mail clients and calendars fetch it without credentials ------
# One-click unsubscribe (RFC 8058), the roster page and the calendar feed. Every action
# it takes is authorised by a signed token in the URL, not by IAM.

resource "google_cloud_run_v2_service_iam_member" "web_public" {
  project  = var.project_id
  location = google_cloudfunctions2_function.http["web"].location
  name     = google_cloudfunctions2_function.http["web"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- Build: what Cloud Build runs as when it builds the functions ----------------------
# A dedicated account, because new projects give the default build account no roles.

resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "cop-rota function builds"
  description  = "Cloud Build identity for building the functions' images."
  depends_on   = [google_project_service.apis]
}

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Reads the staged source from, and caches into, the buckets Cloud Functions manages
# (gcf-v2-sources-*, gcf-v2-uploads-*), and nothing else.
resource "google_project_iam_member" "build_function_buckets" {
  project = var.project_id
  role    = "roles/storage.objectAdmin"
  member  = "serviceAccount:${google_service_account.build.email}"

  condition {
    title       = "gcf-v2 buckets only"
    description = "The buckets Cloud Functions creates for staged sources and uploads."
    expression  = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-\")"
  }
}

# The zip of the code it builds: the source bucket is ours, not one Cloud Functions made.
resource "google_storage_bucket_iam_member" "build_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_pushes_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}
