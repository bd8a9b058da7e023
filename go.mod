module github.com/openclaw/openclaw-go

go 1.26.8
