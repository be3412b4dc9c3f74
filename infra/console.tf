# The organiser's console: its own function, reachable only through an HTTPS load balancer
# whose backend has Identity-Aware Proxy on. IAP lets in the organisers' group alone and
# signs every request it passes (x-goog-iap-jwt-assertion); the function verifies that
# assertion against COP_IAP_AUDIENCE, this backend's audience, and shows each signed-in
# address the communities it organises (`--organiser`). The public `web` function never
# serves the console.

variable "console_domain" {
  description = "Domain name of the organiser's console (e.g. console.rota.example.com): its DNS A record must point at the console_ip output, for the managed certificate."
  type        = string
}

variable "console_members" {
  description = "Who may pass IAP to the console, as IAM members, e.g. [\"group:cop-organisers@example.com\"]. The console still shows each person only the communities they organise."
  type        = list(string)

  validation {
    condition     = length(var.console_members) > 0 && alltrue([for m in var.console_members : can(regex("^(group|user|domain):", m))])
    error_message = "console_members: one or more group:…, user:… or domain:… members (never allUsers)."
  }
}

locals {
  console_apis = ["compute.googleapis.com", "iap.googleapis.com"]
  console_name = "${var.name_prefix}-console"
  # IAP's audience for a backend service (what the assertion's `aud` holds).
  console_audience = "/projects/${local.project_number}/global/backendServices/${google_compute_backend_service.console.generated_id}"
  iap_service_agent = "service-${local.project_number}@gcp-sa-iap.iam.gserviceaccount.com"
}

resource "google_project_service" "console_apis" {
  for_each = toset(local.console_apis)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

resource "google_cloudfunctions2_function" "console" {
  #checkov:skip=CKV_GCP_124:Ingress is internal and load balancer only; IAP in front lets only the organisers in.
  name        = local.console_name
  location    = var.region
  description = "The organiser's console, behind Identity-Aware Proxy."

  build_config {
    runtime               = "python311"
    entry_point           = "console"
    environment_variables = local.build_env
    service_account       = google_service_account.build.id
    docker_repository     = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    # Its actions send mail and write the store as a command would: the runtime's identity.
    service_account_email          = google_service_account.runtime.email
    ingress_settings               = "ALLOW_INTERNAL_AND_GCLB" # only through the load balancer
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi"
    timeout_seconds                = 60
    min_instance_count             = 0
    max_instance_count             = 2
    environment_variables          = local.cop_env # with COP_IAP_AUDIENCE

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = "latest"
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.runtime_reads_cop_secret,
    google_project_iam_member.runtime_datastore_user,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# IAP calls the function as its own service agent, after it let someone in.
resource "google_cloud_run_v2_service_iam_member" "console_iap_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.console.location
  name     = google_cloudfunctions2_function.console.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${local.iap_service_agent}"
}

# --- The load balancer IAP sits on ---------------------------------------------------------

resource "google_compute_region_network_endpoint_group" "console" {
  name                  = local.console_name
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_function {
    function = local.console_name # by name: the function's settings depend on this backend
  }

  depends_on = [google_project_service.console_apis]
}

resource "google_compute_backend_service" "console" {
  #checkov:skip=CKV_GCP_113:The access log of who opened the console is IAP's own audit log.
  name                  = local.console_name
  protocol              = "HTTPS"
  load_balancing_scheme = "EXTERNAL_MANAGED"

  backend {
    group = google_compute_region_network_endpoint_group.console.id
  }

  iap {
    enabled = true # Google-managed OAuth client
  }

  log_config {
    enable = true
  }
}

# Authoritative for this one role on this one backend: exactly these members pass IAP.
resource "google_iap_web_backend_service_iam_binding" "console_organisers" {
  project             = var.project_id
  web_backend_service = google_compute_backend_service.console.name
  role                = "roles/iap.httpsResourceAccessor"
  members             = var.console_members
}

resource "google_compute_url_map" "console" {
  name            = local.console_name
  default_service = google_compute_backend_service.console.id
}

resource "google_compute_managed_ssl_certificate" "console" {
  name = local.console_name

  managed {
    domains = [var.console_domain]
  }

  depends_on = [google_project_service.console_apis]
}

resource "google_compute_target_https_proxy" "console" {
  name             = local.console_name
  url_map          = google_compute_url_map.console.id
  ssl_certificates = [google_compute_managed_ssl_certificate.console.id]
  ssl_policy       = google_compute_ssl_policy.console.id
}

resource "google_compute_ssl_policy" "console" {
  name            = local.console_name
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_global_address" "console" {
  name = local.console_name

  depends_on = [google_project_service.console_apis]
}

resource "google_compute_global_forwarding_rule" "console" {
  name                  = local.console_name
  target                = google_compute_target_https_proxy.console.id
  ip_address            = google_compute_global_address.console.address
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

output "console_ip" {
  description = "Point the DNS A record of console_domain here; the certificate follows."
  value       = google_compute_global_address.console.address
}

output "console_url" {
  description = "The organiser's console, once DNS and the certificate are in place."
  value       = "https://${var.console_domain}/console/"
}
