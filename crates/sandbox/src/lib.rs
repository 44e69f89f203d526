//! Local stand-ins for the services Arke Export talks to: a Fly Machines API
//! that runs machines as local processes, an S3 server, and an Arke API over a
//! generated sample catalog.
