#!/bin/sh
# Makes the small real media files the browser tests open by their links (needs ffmpeg).
# They are committed so the tests need no ffmpeg; run this again only to change them.
set -eu
cd "$(dirname "$0")"
quiet="-hide_banner -loglevel error -y"
ffmpeg $quiet -f lavfi -i testsrc=size=160x120:rate=10 -f lavfi -i sine=frequency=440:sample_rate=22050 \
  -t 3 -c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset veryfast -crf 35 \
  -c:a aac -b:a 32k -movflags +faststart -map_metadata -1 -fflags +bitexact clip.mp4
ffmpeg $quiet -f lavfi -i testsrc=size=160x120:rate=10 -t 3 -c:v libvpx-vp9 -b:v 50k \
  -map_metadata -1 -fflags +bitexact clip.webm
ffmpeg $quiet -f lavfi -i sine=frequency=440:sample_rate=22050 -t 3 -c:a libmp3lame -b:a 32k \
  -map_metadata -1 -fflags +bitexact tone.mp3
ffmpeg $quiet -f lavfi -i testsrc=size=64x48 -frames:v 1 picture.png
