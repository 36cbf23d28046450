CREATE INDEX sim_codes_device ON sim_codes(device_id, created_at, code_id);
