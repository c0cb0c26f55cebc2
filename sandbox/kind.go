package sandbox

// kind describes one entity type the sandbox stores.
type kind struct {
	// collection is the path segment ("entries").
	collection string
	// typ is the sys.type ("Entry").
	typ string
	// archivable says whether the /archived sub-resource exists.
	archivable bool
}

// The entity types.
var (
	entryKind       = &kind{collection: "entries", typ: "Entry", archivable: true}
	assetKind       = &kind{collection: "assets", typ: "Asset", archivable: true}
	contentTypeKind = &kind{collection: "content_types", typ: "ContentType"}
)

// kindByCollection finds a kind by its path segment.
var kindByCollection = map[string]*kind{
	entryKind.collection:       entryKind,
	assetKind.collection:       assetKind,
	contentTypeKind.collection: contentTypeKind,
}
