// Package sandbox is an in-memory, Contentful-compatible Content Management
// API served as a plain http.Handler. It is the upstream of the demo and of
// the integration tests: the contentful-management SDK (plain client) runs
// its entry, asset and content type lifecycles against it, and bulk
// actions, releases and scheduled actions really execute, later, as in
// Contentful. Nothing is kept on disk; a new Sandbox is empty. Close stops
// the actions still pending.
//
// # Routes
//
// E stands for /spaces/{space}/environments/{env} and for the legacy
// /spaces/{space}, which means env "master".
//
//	GET                  /spaces/{space}
//	GET                  /spaces/{space}/environments
//	GET, PUT, DELETE     /spaces/{space}/environments/{env}
//	GET                  /spaces/{space}/environment_aliases
//	GET, PUT, DELETE     /spaces/{space}/environment_aliases/{alias}
//	GET                  E/locales                       (en-US, the default)
//	GET, POST            E/entries, E/assets, E/content_types
//	GET, PUT, DELETE     E/{collection}/{id}             (PATCH too for entries)
//	PUT, DELETE          E/{collection}/{id}/published   (activate/deactivate for content types)
//	PUT, DELETE          E/entries/{id}/archived, E/assets/{id}/archived
//	PUT                  E/assets/{id}/files/{locale}/process
//	POST                 E/bulk_actions                  (v2: the action in the body)
//	POST                 E/bulk_actions/publish, E/bulk_actions/unpublish, E/bulk_actions/validate (v1)
//	GET                  E/bulk_actions/{id}, E/bulk_actions/actions/{id}   (either version)
//	GET, POST            E/releases
//	GET, PUT, DELETE     E/releases/{id}
//	PUT, DELETE          E/releases/{id}/published       (start a publish/unpublish action)
//	POST                 E/releases/{id}/validate        (start a validate action)
//	PUT, DELETE          E/releases/{id}/archived
//	GET                  E/releases/{id}/actions, E/releases/{id}/actions/{action}
//	GET, POST            /spaces/{space}/scheduled_actions
//	GET, PUT, DELETE     /spaces/{space}/scheduled_actions/{id}
//	GET                  E/app_installations
//	GET, PUT, DELETE     E/app_installations/{app}
//	POST                 E/app_installations/{app}/access_tokens
//	GET, POST            /organizations/{org}/app_definitions
//	GET, PUT, DELETE     /organizations/{org}/app_definitions/{app}
//	GET, PUT, DELETE     /organizations/{org}/app_definitions/{app}/event_subscription
//	GET, PUT, DELETE     /organizations/{org}/app_definitions/{app}/signing_secret
//
// Collections answer {"sys":{"type":"Array"},"total","skip","limit","items"}
// in creation order and read the skip and limit (at most 1000) query
// parameters; entry, asset and content type collections also filter on
// sys.id, sys.id[in] and content_type. Any other path or method is a 404.
//
// # Rules
//
// Every request needs a bearer token (Authorization: Bearer <token>, or the
// access_token query parameter); any token is accepted and names the acting
// user: UserID(token) goes into createdBy, updatedBy, publishedBy and
// archivedBy (an app access token names its app instead; see Apps).
// Without one, or with one that starts with "invalid" (InvalidTokenPrefix),
// the answer is 401 AccessTokenInvalid.
//
// Spaces spring into existence on first use, and so does their "master"
// environment. Other environments are created with PUT (201, empty: nothing
// is copied from a source environment) and deleted with DELETE (204; master
// and alias targets cannot be deleted). By default a space has no aliases.
// PUT on an alias creates it (201) or, with the current X-Contentful-Version,
// retargets it (200); its target must be an existing environment. An
// environment segment naming an alias reads and writes the target's
// entities, and their sys.environment then names the alias id with
// linkType "Environment"; so does sys.urn. An alias named master shadows the
// plain master environment (legacy paths then use the alias too); unlike
// Contentful, it can be deleted again.
//
// Versions follow Contentful: every write raises sys.version by one.
// Updates (PUT of an existing id, PATCH), publishing and alias and
// environment updates need X-Contentful-Version equal to the current
// version, else 409 VersionMismatch; unpublish, archive, unarchive, delete
// and asset processing check it only when it is sent, as the SDK sends none.
// Publishing sets publishedVersion to the version sent, raises
// publishedCounter and sets publishedAt, publishedBy and (once)
// firstPublishedAt; unpublishing removes publishedVersion, publishedAt and
// publishedBy. Archiving is refused (400) while published, updating (400)
// while archived, deleting (400) while published or active.
//
// Creating an entry needs the X-Contentful-Content-Type header (422
// otherwise); the content type need not exist and fields are not validated
// against it. PATCH takes a JSON Patch (Content-Type
// application/json-patch+json) with the ops add, replace and remove on
// paths below /fields and /metadata. Processing an asset file happens at
// once: the answer is 204 and the file gets the url
// //assets.sandbox.local/{space}/{id}/{fileName} and placeholder details.
// Publishing an asset with an unprocessed file is refused with 422
// ValidationFailed. Locale-based unpublishing (PUT …/published with
// "remove") is refused with 422.
//
// # Actions
//
// A bulk action lists 1 to 200 links to distinct entries and assets
// ({"entities":{"sys":{"type":"Array"},"items":[{"sys":{"type":"Link",
// "linkType":"Entry","id":…,"version":…}}]}}; the version is required to
// publish and checked whenever sent), else 422. It is answered 201 with
// status "created", is "inProgress" at once and executes after the action
// delay (WithActionDelay, default 100ms): publish and unpublish change every
// entity exactly as PUT and DELETE …/published do, as the user who started
// the action; validate changes nothing. Every entity is checked first
// (it exists, has the version sent, is not archived, has no unprocessed
// file when published; is published when unpublished) and if any check
// fails nothing changes and the action ends "failed" with
// {"error":{"sys":{"type":"Error","id":"BulkActionFailed"},"message",
// "details":{"errors":[{"entity":<link>,"error":{"sys":{"type":"Error",
// "id":"NotFound"|"VersionMismatch"|"NotPublished"|"BadRequest"|
// "ValidationFailed"},"message"}}]}}}, else "succeeded". Finishing sets
// sys.updatedAt and sys.completedAt.
//
// A release is a title and up to 200 entry and asset links, versioned like
// an entity: PUT updates and archiving need X-Contentful-Version, and an
// archived release can be neither changed nor run. PUT …/published (with the
// release's version), DELETE …/published and POST …/validate answer 200 with
// a ReleaseAction in progress that runs like a bulk action over the
// release's entities as they are listed then, without versions, and fails
// with the same error. Running a release does not change its version.
//
// A scheduled action belongs to the space and names its environment in the
// body; reads, changes and cancels may name it in the environment.sys.id
// query parameter (the collection needs it). It publishes (the current
// version) or unpublishes one entry or asset at scheduledFor.datetime, an
// RFC 3339 time (once it has passed: after the action delay), as the user
// who created it, and ends "succeeded" or "failed" with an error of id
// ScheduledActionFailed shaped as above. While "scheduled" it can be
// replaced by a PUT of the whole body with the current X-Contentful-Version
// (200, version + 1, re-armed; else 422) and canceled by DELETE (200, status
// "canceled", canceledAt and canceledBy, version + 1; else 400).
//
// Errors have Contentful's shape:
// {"sys":{"type":"Error","id":"NotFound"},"message":"…","requestId":"…"},
// with the ids BadRequest (400), AccessTokenInvalid (401), NotFound (404),
// VersionMismatch (409) and ValidationFailed (422). Timestamps are RFC 3339
// in UTC with milliseconds.
//
// # Apps
//
// Organizations, like spaces, spring into existence on first use. An app
// definition is created with POST (201, a generated id, version 1; name
// required, src, bundle, locations and parameters optional) and updated
// with PUT of the current X-Contentful-Version (200); installation paths
// name it by its id alone. Its event subscription and signing secret
// are singletons without id or version, answered 404 until created and
// after the definition is gone. PUT of the event subscription creates it
// (201) or replaces it whole, createdAt included (200), ignoring
// X-Contentful-Version: topics are 1 or more distinct app event topics
// such as Entry.publish or AppInstallation.save (no wildcards, else 422),
// targetUrl is an absolute https or, unlike Contentful, http URL (400 when
// missing, unless functions links a handler Function), and filters (an
// array) and functions (an object) are kept as sent. PUT of the signing
// secret takes {"value"}, exactly 64 characters of [0-9a-zA-Z+/=_-] (else
// 422), creates (201) or rotates (200) it, and every answer carries only
// its last four characters as redactedValue.
//
// PUT E/app_installations/{app} installs an app definition of any
// organization (201; 404 with details {"type":"AppDefinition","id"} when
// none has that id) or updates its parameters, an object of at most 16 kB
// as JSON (200, version + 1; X-Contentful-Version is checked only when
// sent). Installations belong to one environment: a new environment has
// none, and deleting an app definition uninstalls it everywhere. POST
// E/app_installations/{app}/access_tokens, which apps send with a JWT
// signed by their private key as the bearer token, takes any bearer token
// and, when the app is installed there, answers 201 with
// {"token":"app-<app>-<random>"} (AppTokenPrefix) and sys.expiresAt ten
// minutes later; such a token never expires in the sandbox, and writes
// made with it are the app's: createdBy, updatedBy, publishedBy and
// archivedBy link to the AppDefinition, as in Contentful, instead of a
// User.
//
// # Failing on purpose
//
// Tests of "a failed upstream write produces no event" can make the sandbox
// fail without changing state: a request carrying the header
// X-Sandbox-Fail: <status> (400–599) is answered with that status and a
// Contentful-style error body before anything else is looked at, and
// FailNextWrites(n, status) makes the next n PUT, POST, PATCH and DELETE
// requests do the same.
package sandbox
