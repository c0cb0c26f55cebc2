// Package contentstack is an in-memory, Contentstack-compatible Content
// Management API (v3) served as a plain http.Handler: the upstream of the
// gateway's Contentstack tests. The @contentstack/management SDK runs its
// content type, entry, asset and environment calls against it when the
// client is built with {host: "127.0.0.1", port: PORT, insecure: true} (or
// {endpoint: "http://127.0.0.1:PORT/v3"}); insecure is what makes the SDK
// speak plain HTTP, and an IP host must not carry its port in host. Nothing
// is kept on disk; a new Sandbox is empty.
//
// # Routes
//
//	GET                  /v3/stacks                              the stack of the api_key header
//	GET                  /v3/locales                             en-us, the one locale
//	GET, POST            /v3/environments
//	GET, PUT, DELETE     /v3/environments/{name}                 (the uid works too)
//	GET, POST            /v3/content_types
//	GET, PUT, DELETE     /v3/content_types/{ct}
//	GET, POST            /v3/content_types/{ct}/entries
//	GET, PUT, DELETE     /v3/content_types/{ct}/entries/{uid}
//	POST                 /v3/content_types/{ct}/entries/{uid}/publish, …/unpublish
//	GET, POST            /v3/assets                              POST is a multipart upload
//	GET, PUT, DELETE     /v3/assets/{uid}                        PUT takes JSON or a multipart upload
//	POST                 /v3/assets/{uid}/publish, …/unpublish
//
// Collections answer {"<module>":[…]} in creation order ("content_types",
// "entries", "assets", "environments"), paged by skip and limit (at most
// 100), with "count" when include_count=true; count=true answers only
// {"<module>": total}. Any other path or method is a 404.
//
// # Rules
//
// Every request needs the api_key header (else 412, error_code 109) and a
// token: the authorization header (a management token, with or without
// "Bearer ") or the authtoken header. Any token is accepted except one that
// starts with sandbox.InvalidTokenPrefix; without one, or with a refused
// one, the answer is Contentstack's 401 {"error_message":"You're not
// allowed in here unless you're logged in.","error_code":105,"errors":
// {"authorization":["is not valid."]}}. The token names the acting user:
// UserUID(token) goes into created_by, updated_by and publish_details.user.
//
// Request bodies, uploads included, are limited to 10 MiB (413 beyond).
//
// Stacks spring into existence on first use of their API key, with the
// environments "development" and "production" (Contentstack's new stacks
// have none; the sandbox creates these two so tests can publish at once).
// Environments belong to the stack; content types, entries and assets
// belong to the branch named by the branch header (default "main"), which
// springs into existence too and starts empty. Every branch has the one
// locale en-us; a locale query parameter or publish locale naming another
// is refused with 422.
//
// Writes answer as Contentstack does. Creates are 201 with a notice and the
// full object ({"notice":"Entry created successfully.","entry":{…}},
// "Content Type created successfully.", "Asset created successfully.",
// "Environment created successfully."); updates are 200 with "… updated
// successfully." and the full object; deletes are 200 with only a notice
// ("Entry deleted successfully.", …). Publishing and unpublishing answer
// 200 with only a notice, never the object: "The requested action has been
// performed." for entries, "Asset sent for publishing." and "Asset sent for
// unpublishing." for assets; read the object back to see the change.
//
// Uids are "blt" and 16 hex characters (content types keep the uid the
// client chose: lowercase letters, digits and underscores). Timestamps are
// UTC with milliseconds ("2025-01-02T03:04:05.678Z"). Every create starts
// at _version 1 and every update raises it by one; publishing does not.
// Entries carry their schema field values and uid, locale, _version,
// created_at, updated_at, created_by, updated_by, ACL, tags, _in_progress
// and publish_details; include_branch=true adds _branch to entries, assets
// and content types.
//
// An entry write ({"entry":{…}}) keeps only the members named by the
// content type's schema, which replace the stored values (a member not sent
// is removed), plus tags when sent; everything else the SDK sends back
// (_version, ACL, publish_details, content_type_uid, …) is ignored. A
// mandatory schema field without a value is refused with 422, error_code
// 119, errors {"<field>":["is a required field."]}. An unknown content type
// is 422, error_code 118; an unknown entry, asset or environment is 422,
// error_code 141, "The requested object doesn't exist.".
//
// An upload is multipart/form-data with the file in asset[upload] and
// optionally asset[title] (default: the file name), asset[description] and
// asset[tags] (comma-separated). The sandbox keeps the file's name (spaces
// become underscores), media type (the part's, else guessed from the
// extension) and size, not its bytes; the url points at images.sandbox.local
// and changes when the file is replaced. There are no folders: a
// parent_uid is refused.
//
// Publishing takes {"entry"|"asset":{"environments":[…],"locales":[…]},
// "locale"?, "version"?}; environments are named by name or uid and must
// exist, else 401 with error_code 161 "Environment doesn't exists or
// insufficient permission to access it." as Contentstack answers. Locales
// default to en-us; version defaults to the current one and must not exceed
// it. Publishing happens at once (scheduled_at is refused with 422) and
// records one publish_details element {"environment":<environment uid>,
// "locale","time","user","version"} per environment and locale, replacing
// an earlier one; unpublishing removes them. Deleting an environment leaves
// publish_details naming it.
//
// Errors have Contentstack's shape: {"error_message":"…","error_code":…,
// "errors":{"<field>":["…"]}}; the messages add what to do. The codes 105,
// 115, 118, 141 and 161 are Contentstack's as observed; 109 and 119 are
// best guesses.
//
// # Failing on purpose
//
// Tests of "a failed upstream write produces no event" can make the sandbox
// fail without changing state: a request carrying the header
// X-Sandbox-Fail: <status> (sandbox.FailHeader, 400–599) is answered with
// that status and {"error_message":…,"error_code":<status>,"errors":{}}
// before anything else is looked at. The SDK retries 429 and 5xx answers on
// its own, and its retries refuse loopback hosts (version 1.30.2 throws an
// uncaught "SSRF Prevention: Base URL … is not allowed"): build the client
// with retryOnError: false and retryOnNetworkFailure: false to see the
// failure as an ordinary error.
package contentstack
