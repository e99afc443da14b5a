graph [
  directed 0
  node [ id 0 label "Origin" Latitude 0.0 Longitude 0.0 ]
  node [ id 1 label "East" Latitude 0.0 Longitude 1.0 ]
  node [ id 2 label "Nowhere" ]
  edge [ source 0 target 1 LinkSpeedRaw 10000000000.0 ]
  edge [ source 1 target 2 ]
]
