-- wrk script: re-evaluates a scenario of three actions through the API,
-- POST /api/v1/evaluate (bench/bench-web.sh). The body is the same for
-- every request: the server keeps no cache, so each one re-evaluates.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"profession":"mg","actions":[
{"kind":"telemedicine_cabin","commune":"11304"},
{"kind":"health_centre","commune":"11028","count":3},
{"kind":"gp","commune":"11069","count":-2}]}]]
