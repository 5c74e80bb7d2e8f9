-- wrk script: the public finder for a random study commune each request,
-- GET /ou-me-soigner?commune=CODE (bench/bench-finder.sh). The codes come
-- from the file named by MG_FINDER_CODES, one a line (bench_finder_gen
-- writes it); each wrk thread draws its own sequence.
local codes = {}

function init(args)
  local path = os.getenv("MG_FINDER_CODES")
  for line in io.lines(path) do
    if #line == 5 then
      codes[#codes + 1] = line
    end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  return wrk.format("GET", "/ou-me-soigner?commune=" .. codes[math.random(#codes)])
end
