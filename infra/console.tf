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
  # IAP's audience for a backend service (what the assertion's `aud` holds).
  console_audience  = "/projects/${local.project_number}/global/backendServices/${google_compute_backend_service.console.generated_id}"
  iap_service_agent = "service-${local.project_number}@gcp-sa-iap.iam.gserviceaccount.com"
}

# The function itself is in functions.tf (http_functions["console"]).

# IAP calls the function as its own service agent, after it let someone in.
resource "google_cloud_run_v2_service_iam_member" "console_iap_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.http["console"].location
  name     = google_cloudfunctions2_function.http["console"].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${local.iap_service_agent}"
}

# --- The load balancer IAP sits on ---------------------------------------------------------

resource "google_compute_region_network_endpoint_group" "console" {
  name                  = local.function_names.console
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_function {
    function = local.function_names.console # by name: the function's settings depend on this backend
  }

  depends_on = [google_project_service.apis]
}

resource "google_compute_backend_service" "console" {
  name                  = local.function_names.console
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
  name            = local.function_names.console
  default_service = google_compute_backend_service.console.id
}

resource "google_compute_managed_ssl_certificate" "console" {
  name = local.function_names.console

  managed {
    domains = [var.console_domain]
  }

  depends_on = [google_project_service.apis]
}

resource "google_compute_target_https_proxy" "console" {
  name             = local.function_names.console
  url_map          = google_compute_url_map.console.id
  ssl_certificates = [google_compute_managed_ssl_certificate.console.id]
  ssl_policy       = google_compute_ssl_policy.console.id
}

resource "google_compute_ssl_policy" "console" {
  name            = local.function_names.console
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_global_address" "console" {
  name = local.function_names.console

  depends_on = [google_project_service.apis]
}

resource "google_compute_global_forwarding_rule" "console" {
  name                  = local.function_names.console
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
