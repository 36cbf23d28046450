package web

// guestRoutes registers the owner's guest and access pages.
func (s *Server) guestRoutes(o guarded) {
}
