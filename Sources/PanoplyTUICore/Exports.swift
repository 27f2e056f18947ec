// The UI's model is built on the workspace's values (saved sources, the destination, run
// records, formatting): every file of the UI core sees them.
@_exported import PanoplyWorkspace
