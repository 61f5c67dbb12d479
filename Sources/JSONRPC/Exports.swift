// JSON-RPC messages are JSON values: a module that speaks JSON-RPC gets the JSON module with it.
@_exported import JSON
