package contentstack

// stackJSON is a stack as Contentstack answers GET /v3/stacks.
type stackJSON struct {
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
	UID          string `json:"uid"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	APIKey       string `json:"api_key"`
	MasterLocale string `json:"master_locale"`
	OwnerUID     string `json:"owner_uid"`
}

// localeJSON is a locale as Contentstack answers it.
type localeJSON struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	FallbackLocale any    `json:"fallback_locale"` // null: the master locale has none
	UID            string `json:"uid"`
	CreatedBy      string `json:"created_by"`
	UpdatedBy      string `json:"updated_by"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	ACL            []any  `json:"ACL"`
	Version        int    `json:"_version"`
}

// getStack answers GET /v3/stacks: the stack of the api_key header. Its
// owner is the user of its first request.
func (s *Sandbox) getStack(c *call) reply {
	st := c.stack
	return ok(map[string]any{"stack": stackJSON{
		CreatedAt: timestamp(st.createdAt), UpdatedAt: timestamp(st.updatedAt),
		UID: st.uid, Name: "Sandbox stack " + st.apiKey, APIKey: st.apiKey,
		MasterLocale: masterLocale, OwnerUID: st.createdBy,
	}})
}

// listLocales answers GET /v3/locales: the branch's one locale, en-us.
func (s *Sandbox) listLocales(c *call) reply {
	l := c.branch.locale
	return ok(map[string]any{"locales": []localeJSON{{
		Code: masterLocale, Name: "English - United States",
		UID: l.uid, CreatedBy: l.createdBy, UpdatedBy: l.updatedBy,
		CreatedAt: timestamp(l.createdAt), UpdatedAt: timestamp(l.updatedAt),
		ACL: []any{}, Version: l.version,
	}}})
}
